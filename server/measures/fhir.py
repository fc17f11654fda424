"""Measure responses as FHIR R4 resources, for the patient's export.

Each response becomes a `QuestionnaireResponse` (every item with its answer)
and, where the total has a LOINC code in `instruments.json` (PHQ-9 44261-6,
GAD-7 70274-6), an `Observation` of the total derived from it. PCL-5 has no
confirmed LOINC code there, so it is exported as a QuestionnaireResponse
only: inventing a code would mislead whoever imports the record.

Plain dicts, so the server does not depend on a FHIR library; the tests
validate the output with `fhir.resources`.
"""

from datetime import UTC

from server.measures import scoring

LOINC = "http://loinc.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
#: Our own canonical for each questionnaire: LOINC panel codes identify a
#: panel, not a FHIR Questionnaire resource, so they do not belong here.
QUESTIONNAIRE_URL = "urn:between:questionnaire:{instrument}"


def _instant(value) -> str:
    return value.astimezone(UTC).isoformat()


def _answer(instrument: str, value: int) -> dict:
    published = scoring.definition(instrument)
    label = next(o["label"] for o in published["options"] if o["value"] == value)
    code = published.get("loinc", {}).get("answers", {}).get(str(value))
    if code is None:
        # No LOINC answer codes for this instrument: the score itself is the answer.
        return {"valueInteger": value}
    return {"valueCoding": {"system": LOINC, "code": code, "display": label}}


def _difficulty_item(response) -> list[dict]:
    """The unscored difficulty item as its own item (linkId `difficulty`), when answered.

    The data has no LOINC answer codes for it, so the answer is the option's
    published wording rather than an invented code.
    """
    followup = scoring.definition(response.instrument).get("unscored_followup")
    if followup is None or response.difficulty is None:
        return []
    return [
        {
            "linkId": "difficulty",
            "text": followup["text"],
            "answer": [{"valueString": followup["options"][response.difficulty]}],
        }
    ]


def questionnaire_response(response, patient) -> dict:
    """One answered questionnaire, item by item (linkId = the printed item number),
    then the difficulty item where it was answered."""
    published = scoring.definition(response.instrument)
    return {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.id),
        "questionnaire": QUESTIONNAIRE_URL.format(instrument=response.instrument),
        "status": "completed",
        "subject": {"reference": f"Patient/{patient.id}"},
        "authored": _instant(response.completed_at),
        "author": {"reference": f"Patient/{patient.id}"},
        "item": [
            {
                "linkId": str(number),
                "text": text,
                "answer": [_answer(response.instrument, value)],
            }
            for number, (text, value) in enumerate(
                zip(published["items"], response.answers, strict=True), start=1
            )
        ]
        + _difficulty_item(response),
    }


def total_observation(response, patient) -> dict | None:
    """The total score as an Observation, or None without a confirmed LOINC code."""
    published = scoring.definition(response.instrument)
    code = published.get("loinc", {}).get("total")
    if code is None:
        return None
    observation = {
        "resourceType": "Observation",
        "id": f"{response.id}-total",
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": {
            "coding": [{"system": LOINC, "code": code}],
            "text": f"{published['name']} total score",
        },
        "subject": {"reference": f"Patient/{patient.id}"},
        "effectiveDateTime": _instant(response.completed_at),
        "valueInteger": response.total,
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{response.id}"}],
    }
    if response.severity:
        observation["interpretation"] = [{"text": response.severity}]
    return observation


def fhir_resources(responses, patient) -> list[dict]:
    """FHIR R4 resources for `patient`'s responses: each QuestionnaireResponse,
    followed by its total Observation where a LOINC code exists."""
    resources = []
    for response in responses:
        resources.append(questionnaire_response(response, patient))
        observation = total_observation(response, patient)
        if observation is not None:
            resources.append(observation)
    return resources
