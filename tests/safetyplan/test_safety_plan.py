"""The personal safety plan: written by the patient, encrypted, read by the care team if shared."""

from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.extensions import db
from server.safetyplan.models import SafetyPlan

SECTIONS = {
    "warning_signs": ["I stop answering messages", "Sleeping past noon"],
    "on_my_own": ["A slow walk round the block"],
    "people_and_places": ["The library café"],
    "people_to_ask": ["My sister Ana"],
    "professionals": ["Dr. Reyes at the clinic"],
    "safer_surroundings": ["The nasal spray stays locked in the cabinet"],
}


def test_a_first_plan_starts_empty_and_is_written_with_version_zero(as_user, patient):
    client = as_user(patient)
    empty = client.get("/api/v1/me/safety-plan").get_json()
    assert empty["version"] == 0 and empty["sections"]["warning_signs"] == []
    saved = client.put(
        "/api/v1/me/safety-plan", json={"sections": SECTIONS, "shared": False, "version": 0}
    )
    assert saved.status_code == 200
    assert saved.get_json()["sections"] == SECTIONS and saved.get_json()["version"] == 1
    assert b"sister" not in db.session.scalar(select(SafetyPlan.sections_ciphertext))


def test_a_replay_changes_nothing_and_a_stale_version_is_refused(as_user, patient):
    client = as_user(patient)
    body = {"sections": SECTIONS, "shared": False, "version": 0}
    client.put("/api/v1/me/safety-plan", json=body)
    again = client.put("/api/v1/me/safety-plan", json=body)
    assert again.status_code == 200 and again.get_json()["version"] == 1
    other = client.put(
        "/api/v1/me/safety-plan",
        json=body | {"sections": SECTIONS | {"on_my_own": ["Music"]}},
    )
    assert other.status_code == 409 and "version" in other.get_json()["errors"]
    assert client.get("/api/v1/me/safety-plan").get_json()["sections"] == SECTIONS


def test_the_care_team_reads_it_only_while_shared_and_the_read_is_audited(
    as_user, patient, therapist
):
    client = as_user(patient)
    staff = as_user(therapist)
    path = f"/api/v1/patients/{patient.id}/safety-plan"
    assert staff.get(path).status_code == 404
    client.put("/api/v1/me/safety-plan", json={"sections": SECTIONS, "shared": False, "version": 0})
    assert staff.get(path).status_code == 404
    client.put("/api/v1/me/safety-plan", json={"sections": SECTIONS, "shared": True, "version": 1})
    read = staff.get(path)
    assert read.status_code == 200 and read.get_json()["sections"]["people_to_ask"] == [
        "My sister Ana"
    ]
    reads = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "safety_plan_read", AuditEvent.patient_id == patient.id)
    )
    assert reads == 1
    client.put("/api/v1/me/safety-plan", json={"sections": SECTIONS, "shared": False, "version": 2})
    assert staff.get(path).status_code == 404


def test_bad_sections_name_the_field(as_user, patient):
    response = as_user(patient).put(
        "/api/v1/me/safety-plan",
        json={"sections": {"warning_signs": ["x" * 301], "wishes": []}, "shared": False}
        | {"version": 0},
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"sections.warning_signs.0", "sections.wishes"}
