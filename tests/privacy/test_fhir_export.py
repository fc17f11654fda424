"""GET /me/export?format=fhir: my questionnaires as a FHIR R4 Bundle.

Validated with fhir.resources rather than by eye. fhir.resources 8 ships
FHIR R5 at its top level and R4B (4.3.0) beside it, not R4 (4.0.1) itself;
Bundle, Patient, QuestionnaireResponse and Observation did not change
between R4 and R4B in anything used here, so R4B is the closest check.
"""

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from server.audit.models import AuditEvent
from server.extensions import db

FHIR = "/api/v1/me/export?format=fhir"
MODELS = {
    "Patient": Patient,
    "QuestionnaireResponse": QuestionnaireResponse,
    "Observation": Observation,
}


def _bundle(client):
    response = client.get(FHIR)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def test_the_bundle_validates_and_carries_the_loinc_totals(world):
    data = _bundle(world.client)
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    kinds = [entry["resource"]["resourceType"] for entry in data["entry"]]
    assert kinds == [
        "Patient",
        "QuestionnaireResponse",
        "Observation",
        "QuestionnaireResponse",
        "Observation",
    ]
    # Each resource also validates as its own R4B type.
    resources = [
        MODELS[kind].model_validate(e["resource"])
        for kind, e in zip(kinds, data["entry"], strict=True)
    ]
    patient = resources[0]
    assert patient.id == str(world.patient.id)
    assert patient.name[0].text == world.patient.display_name
    totals = {
        o.code.coding[0].code: (o.code.coding[0].system, o.valueInteger)
        for o in resources
        if isinstance(o, Observation)
    }
    assert totals == {
        "44261-6": ("http://loinc.org", 17),  # PHQ-9 total
        "70274-6": ("http://loinc.org", 14),  # GAD-7 total
    }
    answered = [r for r in resources if isinstance(r, QuestionnaireResponse)]
    assert sorted(len(r.item) for r in answered) == [7, 9]


def test_every_reference_points_at_an_entry_of_the_bundle(world):
    data = _bundle(world.client)
    full_urls = [entry["fullUrl"] for entry in data["entry"]]
    assert len(set(full_urls)) == len(full_urls)
    assert all(url.startswith("urn:uuid:") for url in full_urls)

    def references(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "reference":
                    yield item
                else:
                    yield from references(item)
        elif isinstance(value, list):
            for item in value:
                yield from references(item)

    found = list(references(data))
    assert found and set(found) <= set(full_urls)
    patient_url = data["entry"][0]["fullUrl"]
    subjects = [e["resource"]["subject"]["reference"] for e in data["entry"][1:]]
    assert subjects == [patient_url] * 4


def test_the_bundle_holds_only_my_measures_and_is_audited(world, other_world):
    data = _bundle(world.client)
    text = str(data)
    for response_id in other_world.response_ids:
        assert str(response_id) not in text
    assert str(other_world.patient.id) not in text
    events = db.session.query(AuditEvent).filter_by(
        action="data_exported", patient_id=world.patient.id
    )
    assert events.count() == 1


def test_with_no_measures_the_bundle_is_just_me(as_user, patient):
    data = _bundle(as_user(patient))
    Bundle.model_validate(data)
    assert [e["resource"]["resourceType"] for e in data["entry"]] == ["Patient"]
