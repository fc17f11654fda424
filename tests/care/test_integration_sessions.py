"""Therapists book, move, cancel and complete integration sessions."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.care.models import IntegrationSession
from server.extensions import db
from server.signals import dosing_session_changed
from tests import factories


def in_days(days: float) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


# A local time with no offset: ambiguous, so refused rather than guessed.
NAIVE = in_days(10).replace(tzinfo=None).isoformat()


def url(patient, session_id=None) -> str:
    base = f"/api/v1/patients/{patient.id}/integration-sessions"
    return f"{base}/{session_id}" if session_id else base


def test_therapist_books_an_integration_session(as_user, therapist, patient):
    when = in_days(2)
    response = as_user(therapist).post(url(patient), json={"scheduled_at": when.isoformat()})
    assert response.status_code == 201
    session = response.get_json()
    assert datetime.fromisoformat(session["scheduled_at"]) == when
    assert session["duration_minutes"] == 50 and session["status"] == "scheduled"
    assert session["therapist_id"] == str(therapist.id) and session["version"] == 1
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.patient_id == patient.id)
    )
    assert list(actions) == ["integration_session_created"]


def test_booking_an_integration_session_does_not_touch_dosing_reminders(
    as_user, therapist, patient
):
    seen = []

    def receiver(sender, **_kwargs):
        seen.append(sender)

    dosing_session_changed.connect(receiver)
    try:
        as_user(therapist).post(url(patient), json={"scheduled_at": in_days(2).isoformat()})
    finally:
        dosing_session_changed.disconnect(receiver)
    assert seen == []


def test_a_replayed_booking_is_stored_once(as_user, therapist, patient):
    client = as_user(therapist)
    body = {"id": str(uuid.uuid4()), "scheduled_at": in_days(2).isoformat(), "duration_minutes": 90}
    first, again = client.post(url(patient), json=body), client.post(url(patient), json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    conflict = client.post(url(patient), json=body | {"duration_minutes": 60})
    assert conflict.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(IntegrationSession)) == 1


def test_moving_and_cancelling_are_versioned(as_user, therapist, patient):
    session = factories.integration_session(patient, therapist, scheduled_at=in_days(3))
    client = as_user(therapist)
    later = in_days(4)
    moved = client.patch(
        url(patient, session.id),
        json={"version": 1, "scheduled_at": later.isoformat(), "duration_minutes": 80},
    )
    assert moved.status_code == 200
    assert moved.get_json()["version"] == 2 and moved.get_json()["duration_minutes"] == 80
    stale = client.patch(url(patient, session.id), json={"version": 1, "status": "cancelled"})
    assert stale.status_code == 409
    cancelled = client.patch(url(patient, session.id), json={"version": 2, "status": "cancelled"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    session = db.session.get(IntegrationSession, session.id)
    assert session.status == "cancelled" and session.scheduled_at == later
    actions = list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.patient_id == patient.id)
            .order_by(AuditEvent.at)
        )
    )
    assert actions == ["integration_session_changed", "integration_session_cancelled"]


def test_completing_needs_the_session_time_to_have_come(as_user, therapist, patient):
    client = as_user(therapist)
    upcoming = factories.integration_session(patient, therapist, scheduled_at=in_days(1))
    early = client.patch(url(patient, upcoming.id), json={"version": 1, "status": "completed"})
    assert early.status_code == 422
    past = factories.integration_session(patient, therapist, scheduled_at=in_days(-1))
    done = client.patch(url(patient, past.id), json={"version": 1, "status": "completed"})
    assert done.status_code == 200 and done.get_json()["status"] == "completed"


def test_therapist_lists_integration_sessions_and_is_audited(as_user, therapist, patient):
    later = factories.integration_session(patient, therapist, scheduled_at=in_days(10))
    sooner = factories.integration_session(patient, therapist, scheduled_at=in_days(-3))
    listed = as_user(therapist).get(url(patient)).get_json()
    assert [item["id"] for item in listed["items"]] == [str(sooner.id), str(later.id)]
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "schedule_read", AuditEvent.patient_id == patient.id
        )
    )


def test_a_session_of_another_patient_is_not_found(as_user, therapist, patient, clinic):
    other = factories.user(clinic, "patient", therapist=therapist)
    theirs = factories.integration_session(other, therapist)
    response = as_user(therapist).patch(url(patient, theirs.id), json={"version": 1})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "scheduled_at"),
        ({"scheduled_at": NAIVE}, "scheduled_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 2000}, "duration_minutes"),
        ({"duration_minutes": 50.5}, "duration_minutes"),
        ({"status": "cancelled"}, "status"),
        ({"therapist_notes": "x"}, "therapist_notes"),
    ],
)
def test_bad_bookings_name_the_field(as_user, therapist, patient, body, field):
    if field != "scheduled_at":
        body = {"scheduled_at": in_days(2).isoformat()} | body
    response = as_user(therapist).post(url(patient), json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(IntegrationSession)) == 0
