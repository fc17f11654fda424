"""FHIR export of measure responses, validated with fhir.resources.

fhir.resources 8 ships FHIR R5 at its top level and R4B (4.3.0) beside it,
but not R4 (4.0.1) itself. QuestionnaireResponse and Observation did not
change between R4 and R4B in anything used here, so the R4B models are the
closest validation available.
"""

from datetime import UTC, datetime

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from server.measures.fhir import fhir_resources
from tests import factories

WHEN = datetime(2026, 2, 3, 9, 30, tzinfo=UTC)


def test_phq9_and_gad7_become_a_questionnaire_response_and_a_loinc_total(patient):
    phq9 = factories.measure_response(
        patient, "phq9", [2, 2, 1, 1, 1, 1, 1, 1, 0], completed_at=WHEN
    )
    gad7 = factories.measure_response(patient, "gad7", [3, 3, 3, 3, 3, 0, 0], completed_at=WHEN)
    resources = fhir_resources([phq9, gad7], patient)
    assert [r["resourceType"] for r in resources] == [
        "QuestionnaireResponse",
        "Observation",
        "QuestionnaireResponse",
        "Observation",
    ]
    phq9_qr = QuestionnaireResponse.model_validate(resources[0])
    assert phq9_qr.status == "completed" and len(phq9_qr.item) == 9
    assert phq9_qr.subject.reference == f"Patient/{patient.id}"
    first = phq9_qr.item[0]
    assert first.text == "Little interest or pleasure in doing things"
    assert (first.answer[0].valueCoding.code, first.answer[0].valueCoding.display) == (
        "LA6570-1",
        "More than half the days",
    )
    phq9_total = Observation.model_validate(resources[1])
    assert phq9_total.code.coding[0].system == "http://loinc.org"
    assert phq9_total.code.coding[0].code == "44261-6"
    assert phq9_total.valueInteger == 10
    assert phq9_total.derivedFrom[0].reference == f"QuestionnaireResponse/{phq9.id}"
    assert phq9_total.interpretation[0].text == "moderate"
    gad7_total = Observation.model_validate(resources[3])
    assert (gad7_total.code.coding[0].code, gad7_total.valueInteger) == ("70274-6", 15)


def test_pcl5_has_no_confirmed_loinc_code_so_no_total_observation(patient):
    pcl5 = factories.measure_response(patient, "pcl5", [4] * 20, completed_at=WHEN)
    resources = fhir_resources([pcl5], patient)
    assert [r["resourceType"] for r in resources] == ["QuestionnaireResponse"]
    response = QuestionnaireResponse.model_validate(resources[0])
    assert [item.answer[0].valueInteger for item in response.item] == [4] * 20
    assert response.item[19].linkId == "20"
    assert "loinc" not in str(resources).lower()


def test_nothing_to_export_is_an_empty_list(patient):
    assert fhir_resources([], patient) == []


def test_the_difficulty_item_is_exported_as_its_own_item(patient):
    phq9 = factories.measure_response(patient, "phq9", [1] * 9, completed_at=WHEN, difficulty=3)
    gad7 = factories.measure_response(patient, "gad7", [1] * 7, completed_at=WHEN, difficulty=0)
    skipped = factories.measure_response(patient, "gad7", [0] * 7, completed_at=WHEN)
    resources = fhir_resources([phq9, gad7, skipped], patient)
    phq9_qr = QuestionnaireResponse.model_validate(resources[0])
    assert len(phq9_qr.item) == 10
    last = phq9_qr.item[9]
    assert last.linkId == "difficulty"
    assert last.text.startswith("If you checked off any problems, how difficult")
    assert last.answer[0].valueString == "Extremely difficult"
    gad7_qr = QuestionnaireResponse.model_validate(resources[2])
    assert [item.linkId for item in gad7_qr.item][-1] == "difficulty"
    assert gad7_qr.item[-1].answer[0].valueString == "Not difficult at all"
    unanswered = QuestionnaireResponse.model_validate(resources[4])
    assert len(unanswered.item) == 7
