"""A booking that overlaps or doubles another session of the same patient asks
for confirmation (409 naming the other session) and is stored only when
confirmed; replays never store a second row."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.care.models import DosingSession, IntegrationSession
from server.extensions import db
from tests import factories

LA = ZoneInfo("America/Los_Angeles")


def at(days: int, hour: int, minute: int = 0, tz=LA) -> datetime:
    """A wall-clock time `days` from today in `tz` (the patient's zone in these tests)."""
    today = datetime.now(tz).date() + timedelta(days=days)
    return datetime(today.year, today.month, today.day, hour, minute, tzinfo=tz)


def dosing_url(patient, session_id=None) -> str:
    base = f"/api/v1/patients/{patient.id}/ketamine-sessions"
    return f"{base}/{session_id}" if session_id else base


def integration_url(patient, session_id=None) -> str:
    base = f"/api/v1/patients/{patient.id}/integration-sessions"
    return f"{base}/{session_id}" if session_id else base


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def in_la(patient):
    patient.time_zone = "America/Los_Angeles"
    db.session.commit()
    return patient


def test_a_second_dose_on_the_same_day_is_refused_naming_the_first(as_user, therapist, patient):
    in_la(patient)
    first = factories.ketamine_session(patient, scheduled_at=at(5, 9), dose_mg=56)
    client = as_user(therapist)
    response = client.post(
        dosing_url(patient),
        json={"scheduled_at": at(5, 15).isoformat(), "route": "im", "dose_mg": 70},
    )
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["type"] == "/problems/session-conflict"
    assert "confirm_overlap" in problem["errors"]
    [conflict] = problem["conflicts"]
    assert conflict["kind"] == "ketamine_session" and conflict["id"] == str(first.id)
    assert conflict["reason"] == "same_day" and conflict["status"] == "scheduled"
    assert datetime.fromisoformat(conflict["scheduled_at"]) == at(5, 9)
    # The schedule's times only: no dose or route of the other session. (The
    # digits of the dose may occur in a random id, so the fields are named.)
    assert set(conflict) == {"id", "kind", "reason", "scheduled_at", "ends_at", "status"}
    assert "dose" not in response.get_data(as_text=True)
    assert count(DosingSession) == 1
    booked = select(func.count()).where(AuditEvent.patient_id == patient.id)
    assert db.session.scalar(booked) == 0


def test_confirming_books_it_and_a_replay_of_either_request_stores_nothing_more(
    as_user, therapist, patient
):
    in_la(patient)
    first = {"id": str(uuid.uuid4()), "scheduled_at": at(5, 9).isoformat(), "route": "iv"}
    client = as_user(therapist)
    assert client.post(dosing_url(patient), json=first).status_code == 201
    second = {"id": str(uuid.uuid4()), "scheduled_at": at(5, 15).isoformat(), "route": "iv"}
    assert client.post(dosing_url(patient), json=second).status_code == 409
    confirmed = client.post(dosing_url(patient), json=second | {"confirm_overlap": True})
    assert confirmed.status_code == 201
    # Replays answer with what is stored, whether or not they repeat the confirmation.
    assert client.post(dosing_url(patient), json=first).status_code == 200
    again = client.post(dosing_url(patient), json=second | {"confirm_overlap": True})
    assert again.status_code == 200 and again.get_json()["id"] == second["id"]
    assert client.post(dosing_url(patient), json=second).status_code == 200
    assert count(DosingSession) == 2


def test_an_integration_session_during_the_observation_after_a_dose_overlaps(
    as_user, therapist, patient
):
    in_la(patient)
    dose = factories.ketamine_session(patient, scheduled_at=at(3, 10))
    client = as_user(therapist)
    during = client.post(integration_url(patient), json={"scheduled_at": at(3, 11).isoformat()})
    assert during.status_code == 409
    [conflict] = during.get_json()["conflicts"]
    assert (conflict["kind"], conflict["id"], conflict["reason"]) == (
        "ketamine_session",
        str(dose.id),
        "overlaps",
    )
    assert datetime.fromisoformat(conflict["ends_at"]) == at(3, 12)
    # After the two hours, or the next day: another kind of session, no clash.
    later = client.post(integration_url(patient), json={"scheduled_at": at(3, 12).isoformat()})
    assert later.status_code == 201
    assert count(IntegrationSession) == 1


def test_an_integration_session_overlapping_another_by_its_length(as_user, therapist, patient):
    in_la(patient)
    factories.integration_session(patient, therapist, scheduled_at=at(4, 14), duration_minutes=90)
    client = as_user(therapist)
    body = {"scheduled_at": at(4, 15).isoformat(), "duration_minutes": 50}
    problem = client.post(integration_url(patient), json=body).get_json()
    assert [c["reason"] for c in problem["conflicts"]] == ["overlaps"]


def test_same_day_is_the_patients_local_day(as_user, therapist, patient):
    in_la(patient)
    # 20:00 in Los Angeles is the next day in UTC; 08:00 the next morning is another day.
    factories.ketamine_session(patient, scheduled_at=at(6, 20))
    client = as_user(therapist)
    next_morning = {"scheduled_at": at(7, 8).isoformat(), "route": "oral"}
    assert client.post(dosing_url(patient), json=next_morning).status_code == 201
    same_evening_utc_day = {"scheduled_at": at(6, 8).isoformat(), "route": "oral"}
    assert client.post(dosing_url(patient), json=same_evening_utc_day).status_code == 409


def test_cancelled_sessions_and_other_patients_sessions_never_clash(
    as_user, clinic, therapist, patient
):
    in_la(patient)
    factories.ketamine_session(patient, scheduled_at=at(5, 9), status="cancelled")
    other = factories.user(clinic, "patient", therapist=therapist)
    factories.ketamine_session(other, scheduled_at=at(5, 9))
    body = {"scheduled_at": at(5, 9).isoformat(), "route": "iv"}
    assert as_user(therapist).post(dosing_url(patient), json=body).status_code == 201


def test_moving_a_session_onto_another_asks_too_but_not_against_itself(as_user, therapist, patient):
    in_la(patient)
    first = factories.ketamine_session(patient, scheduled_at=at(5, 9))
    second = factories.ketamine_session(patient, scheduled_at=at(8, 9))
    client = as_user(therapist)
    onto = {"version": 1, "scheduled_at": at(5, 11).isoformat()}
    response = client.patch(dosing_url(patient, second.id), json=onto)
    assert response.status_code == 409
    assert [c["id"] for c in response.get_json()["conflicts"]] == [str(first.id)]
    db.session.expire_all()
    assert db.session.get(DosingSession, second.id).scheduled_at == at(8, 9)
    # An hour later on its own day clashes with nothing but itself: no question.
    own_day = {"version": 1, "scheduled_at": at(8, 10).isoformat()}
    assert client.patch(dosing_url(patient, second.id), json=own_day).status_code == 200
    confirmed = {"version": 2, "scheduled_at": at(5, 11).isoformat(), "confirm_overlap": True}
    assert client.patch(dosing_url(patient, second.id), json=confirmed).status_code == 200


def test_booking_a_cancelled_session_again_is_checked(as_user, therapist, patient):
    in_la(patient)
    factories.integration_session(patient, therapist, scheduled_at=at(2, 9))
    cancelled = factories.integration_session(
        patient, therapist, scheduled_at=at(2, 9, 30), status="cancelled"
    )
    client = as_user(therapist)
    body = {"version": 1, "status": "scheduled"}
    assert client.patch(integration_url(patient, cancelled.id), json=body).status_code == 409
    # Completing or cancelling never asks.
    factories.integration_session(patient, therapist, scheduled_at=at(-1, 9))
    past = factories.integration_session(patient, therapist, scheduled_at=at(-1, 9, 15))
    done = {"version": 1, "status": "completed"}
    assert client.patch(integration_url(patient, past.id), json=done).status_code == 200
