"""What the care team reads of the companion: per dose in the brief, open items on the caseload."""

import uuid
from datetime import UTC, datetime, timedelta

from tests import factories
from tests.companion.helpers import answers


def at(days: float) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


def test_the_brief_shows_per_dose_the_intention_what_came_back_and_the_check(
    as_user, patient, therapist
):
    last = factories.ketamine_session(patient, scheduled_at=at(-2), route="im")
    factories.ketamine_session(patient, scheduled_at=at(5), setting="home")
    client = as_user(patient)
    intention = client.post(
        "/api/v1/intentions",
        json={
            "id": str(uuid.uuid4()),
            "ketamine_session_id": str(last.id),
            "body": "To stop bracing",
            "shared": True,
        },
    ).get_json()
    client.post(
        "/api/v1/intention-reflections",
        json={"id": str(uuid.uuid4()), "intention_id": intention["id"], "body": "A little"},
    )
    client.post(
        "/api/v1/after-dose-checks",
        json={
            "id": str(uuid.uuid4()),
            "ketamine_session_id": str(last.id),
            "answers": answers(nausea="strong", travel_home="drove"),
            "shared": True,
        },
    )
    brief = as_user(therapist).get(f"/api/v1/patients/{patient.id}/brief").get_json()
    upcoming, past = brief["doses"]
    assert upcoming["setting"] == "home" and upcoming["intention"] is None
    assert upcoming["checklist_open"] == 6 and upcoming["checklist"][0]["key"] == "fasting"
    assert past["intention"]["body"] == "To stop bracing"
    assert [r["body"] for r in past["reflections"]] == ["A little"]
    check = past["after_dose_check"]
    assert check["answers"]["nausea"] == "strong" and check["alerts"] == ["drove"]
    assert check["red"] is False


def test_the_caseload_shows_open_items_only_when_the_dose_is_near(
    as_user, clinic, patient, therapist
):
    near = factories.ketamine_session(patient, scheduled_at=at(1))
    other = factories.user(clinic, "patient", therapist=therapist)
    factories.ketamine_session(other, scheduled_at=at(5))
    as_user(patient).put(
        f"/api/v1/ketamine-sessions/{near.id}/checklist", json={"item": "fasting", "done": True}
    )
    rows = as_user(therapist).get("/api/v1/patients").get_json()["items"]
    by_patient = {row["patient_id"]: row["checklist_open"] for row in rows}
    assert by_patient == {str(patient.id): 4, str(other.id): None}
