"""Patients read their own schedule and where they stand (their phase)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.extensions import db
from tests import factories


def in_days(days: float) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


def test_a_patient_sees_their_own_dosing_sessions_only(as_user, clinic, therapist, patient):
    past = factories.ketamine_session(
        patient, scheduled_at=in_days(-10), status="completed", dose_mg=50
    )
    called_off = factories.ketamine_session(patient, scheduled_at=in_days(5), status="cancelled")
    upcoming = factories.ketamine_session(patient, scheduled_at=in_days(7), route="sublingual")
    factories.ketamine_session(factories.user(clinic, "patient", therapist=therapist))
    client = as_user(patient)
    items = client.get("/api/v1/ketamine-sessions").get_json()["items"]
    assert [(i["id"], i["status"]) for i in items] == [
        (str(past.id), "completed"),
        (str(called_off.id), "cancelled"),
        (str(upcoming.id), "scheduled"),
    ]
    assert items[0]["dose_mg"] == 50 and items[2]["route"] == "sublingual"
    assert "created_by_id" not in items[0]
    since = client.get("/api/v1/ketamine-sessions", query_string={"since": in_days(0).isoformat()})
    assert [i["id"] for i in since.get_json()["items"]] == [str(called_off.id), str(upcoming.id)]


def test_a_patient_sees_their_integration_sessions(as_user, therapist, patient):
    session = factories.integration_session(patient, therapist, scheduled_at=in_days(3))
    items = as_user(patient).get("/api/v1/integration-sessions").get_json()["items"]
    assert [(i["id"], i["therapist_id"], i["duration_minutes"]) for i in items] == [
        (str(session.id), str(therapist.id), 50)
    ]


def test_reading_my_own_schedule_is_not_audited(as_user, patient):
    client = as_user(patient)
    client.get("/api/v1/ketamine-sessions")
    client.get("/api/v1/integration-sessions")
    read = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "schedule_read")
    assert db.session.scalar(read) == 0


def test_a_new_patient_is_preparing(as_user, patient):
    phase = as_user(patient).get("/api/v1/me/phase").get_json()
    assert phase == {
        "name": "preparation",
        "ketamine_session_id": None,
        "ketamine_session_at": None,
        "time_zone": "America/New_York",
    }


def test_my_phase_names_the_session_it_is_about(as_user, patient):
    first = factories.ketamine_session(patient, scheduled_at=in_days(40))
    client = as_user(patient)
    phase = client.get("/api/v1/me/phase").get_json()
    assert phase["name"] == "preparation" and phase["ketamine_session_id"] == str(first.id)
    # Two days on from a dose is always another local day, and within 72 hours.
    dosed = factories.ketamine_session(patient, scheduled_at=in_days(-2), status="completed")
    phase = client.get("/api/v1/me/phase").get_json()
    assert phase["name"] == "early_integration"
    assert phase["ketamine_session_id"] == str(dosed.id)
    assert datetime.fromisoformat(phase["ketamine_session_at"]) == dosed.scheduled_at


def test_cancelling_the_dose_changes_my_phase_at_once(as_user, therapist, patient):
    dosed = factories.ketamine_session(patient, scheduled_at=in_days(-2))
    assert as_user(patient).get("/api/v1/me/phase").get_json()["name"] == "early_integration"
    as_user(therapist).patch(
        f"/api/v1/patients/{patient.id}/ketamine-sessions/{dosed.id}",
        json={"version": 1, "status": "cancelled"},
    )
    assert as_user(patient).get("/api/v1/me/phase").get_json()["name"] == "preparation"
