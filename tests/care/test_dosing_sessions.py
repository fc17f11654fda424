"""Therapists book, move, cancel and complete dosing sessions for their patients."""

import base64
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.care.models import DosingSession
from server.extensions import db
from server.signals import dosing_session_changed
from tests import factories


def in_days(days: float) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


FORGED_CURSOR = base64.urlsafe_b64encode(
    f"0001-01-01T00:00:00+05:00|{uuid.UUID(int=0)}".encode()
).decode()
# A local time with no offset: ambiguous, so refused rather than guessed.
NAIVE = in_days(10).replace(tzinfo=None).isoformat()


def url(patient, session_id=None) -> str:
    base = f"/api/v1/patients/{patient.id}/ketamine-sessions"
    return f"{base}/{session_id}" if session_id else base


def booking(**changes):
    body = {
        "scheduled_at": in_days(7).isoformat(),
        "route": "im",
        "dose_mg": 75,
        "setting": "clinic",
    }
    body.update(changes)
    return body


@pytest.fixture
def announced():
    """What `dosing_session_changed` told other features (push reminders)."""
    seen = []

    def receiver(session, **_kwargs):
        seen.append((session.id, session.patient_id, session.scheduled_at, session.status))

    dosing_session_changed.connect(receiver)
    yield seen
    dosing_session_changed.disconnect(receiver)


def audit_actions(patient) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.patient_id == patient.id)
            .order_by(AuditEvent.at)
        )
    )


def test_therapist_books_a_dosing_session(as_user, therapist, patient, announced):
    when = in_days(7)
    local_time = when.astimezone(ZoneInfo("America/Los_Angeles")).isoformat()
    response = as_user(therapist).post(url(patient), json=booking(scheduled_at=local_time))
    assert response.status_code == 201
    session = response.get_json()
    assert session["route"] == "im" and session["dose_mg"] == 75.0
    assert session["setting"] == "clinic" and session["status"] == "scheduled"
    assert session["version"] == 1 and session["created_by_id"] == str(therapist.id)
    assert datetime.fromisoformat(session["scheduled_at"]) == when
    assert session["patient_id"] == str(patient.id)
    assert announced == [(uuid.UUID(session["id"]), patient.id, when, "scheduled")]
    assert audit_actions(patient) == ["ketamine_session_created"]


def test_dose_is_optional_and_setting_defaults_to_the_clinic(as_user, therapist, patient):
    body = booking()
    del body["dose_mg"], body["setting"]
    session = as_user(therapist).post(url(patient), json=body).get_json()
    assert session["dose_mg"] is None and session["setting"] == "clinic"


def test_a_replayed_booking_returns_the_stored_session(as_user, therapist, patient, announced):
    client = as_user(therapist)
    body = booking(id=str(uuid.uuid4()), dose_mg=37.5, route="intranasal", setting="home")
    first = client.post(url(patient), json=body)
    again = client.post(url(patient), json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert db.session.scalar(select(func.count()).select_from(DosingSession)) == 1
    assert len(announced) == 1, "a replay changes nothing, so reminders are not rescheduled"


def test_a_replay_with_the_same_time_in_another_offset_is_the_same_booking(
    as_user, therapist, patient
):
    client = as_user(therapist)
    when = in_days(3)
    body = booking(id=str(uuid.uuid4()), scheduled_at=when.isoformat())
    assert client.post(url(patient), json=body).status_code == 201
    body["scheduled_at"] = when.astimezone(ZoneInfo("Asia/Kolkata")).isoformat()
    assert client.post(url(patient), json=body).status_code == 200


def test_the_same_id_with_a_different_body_is_a_conflict(as_user, therapist, patient, clinic):
    client = as_user(therapist)
    session_id = str(uuid.uuid4())
    assert client.post(url(patient), json=booking(id=session_id)).status_code == 201
    different = client.post(url(patient), json=booking(id=session_id, dose_mg=100))
    assert different.status_code == 409 and "id" in different.get_json()["errors"]
    other_patient = factories.user(clinic, "patient", therapist=therapist)
    elsewhere = client.post(url(other_patient), json=booking(id=session_id))
    assert elsewhere.status_code == 409
    stored = db.session.get(DosingSession, uuid.UUID(session_id))
    assert stored.dose_mg == 75 and stored.patient_id == patient.id


def test_moving_a_session_bumps_its_version_and_announces_it(
    as_user, therapist, patient, announced
):
    session = factories.ketamine_session(patient, scheduled_at=in_days(7))
    later = in_days(9)
    response = as_user(therapist).patch(
        url(patient, session.id), json={"version": 1, "scheduled_at": later.isoformat()}
    )
    assert response.status_code == 200
    moved = response.get_json()
    assert moved["version"] == 2 and datetime.fromisoformat(moved["scheduled_at"]) == later
    assert announced == [(session.id, patient.id, later, "scheduled")]
    assert audit_actions(patient) == ["ketamine_session_changed"]


def test_route_dose_and_setting_can_be_changed(as_user, therapist, patient):
    session = factories.ketamine_session(patient, route="iv", dose_mg=50)
    changed = as_user(therapist).patch(
        url(patient, session.id),
        json={"version": 1, "route": "sublingual", "dose_mg": None, "setting": "home"},
    )
    assert changed.status_code == 200
    body = changed.get_json()
    assert (body["route"], body["dose_mg"], body["setting"]) == ("sublingual", None, "home")


def test_a_stale_version_is_a_conflict_and_nothing_is_written(
    as_user, therapist, patient, announced
):
    booked_for = in_days(7)
    session = factories.ketamine_session(patient, scheduled_at=booked_for, dose_mg=50)
    client = as_user(therapist)
    assert (
        client.patch(url(patient, session.id), json={"version": 1, "dose_mg": 60}).status_code
        == 200
    )
    stale = client.patch(
        url(patient, session.id), json={"version": 1, "scheduled_at": in_days(20).isoformat()}
    )
    assert stale.status_code == 409 and "version" in stale.get_json()["errors"]
    session = db.session.get(DosingSession, session.id)
    assert session.version == 2 and session.dose_mg == 60
    assert session.scheduled_at == booked_for
    assert len(announced) == 1


def test_cancelling_keeps_the_session_and_announces_it(as_user, therapist, patient, announced):
    session = factories.ketamine_session(patient)
    client = as_user(therapist)
    response = client.patch(url(patient, session.id), json={"version": 1, "status": "cancelled"})
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert announced[-1][0] == session.id and announced[-1][3] == "cancelled"
    listed = client.get(url(patient)).get_json()["items"]
    assert [(item["id"], item["status"]) for item in listed] == [(str(session.id), "cancelled")]
    assert "ketamine_session_cancelled" in audit_actions(patient)


def test_an_unchanged_edit_is_not_a_new_version(as_user, therapist, patient, announced):
    session = factories.ketamine_session(patient, route="iv")
    response = as_user(therapist).patch(
        url(patient, session.id), json={"version": 1, "route": "iv"}
    )
    assert response.status_code == 200 and response.get_json()["version"] == 1
    assert announced == []


def test_a_session_is_completed_only_once_its_time_has_come(as_user, therapist, patient):
    client = as_user(therapist)
    upcoming = factories.ketamine_session(patient, scheduled_at=in_days(2))
    early = client.patch(url(patient, upcoming.id), json={"version": 1, "status": "completed"})
    assert early.status_code == 422 and "status" in early.get_json()["errors"]
    past = factories.ketamine_session(patient, scheduled_at=in_days(-1))
    done = client.patch(url(patient, past.id), json={"version": 1, "status": "completed"})
    assert done.status_code == 200 and done.get_json()["status"] == "completed"
    moved = client.patch(
        url(patient, past.id), json={"version": 2, "scheduled_at": in_days(5).isoformat()}
    )
    assert moved.status_code == 422 and "scheduled_at" in moved.get_json()["errors"]


def test_a_past_session_can_be_recorded_as_completed(as_user, therapist, patient):
    response = as_user(therapist).post(
        url(patient), json=booking(scheduled_at=in_days(-30).isoformat(), status="completed")
    )
    assert response.status_code == 201 and response.get_json()["status"] == "completed"


def test_therapist_lists_a_patients_sessions_oldest_first_and_is_audited(
    as_user, therapist, patient, clinic
):
    second = factories.ketamine_session(patient, scheduled_at=in_days(14))
    first = factories.ketamine_session(patient, scheduled_at=in_days(-14), status="completed")
    factories.ketamine_session(factories.user(clinic, "patient", therapist=therapist))
    listed = as_user(therapist).get(url(patient))
    assert listed.status_code == 200
    body = listed.get_json()
    assert [item["id"] for item in body["items"]] == [str(first.id), str(second.id)]
    assert body["next_cursor"] is None
    assert audit_actions(patient) == ["schedule_read"]


def test_the_list_pages_with_a_cursor_and_filters_by_time(as_user, therapist, patient):
    sessions = [
        factories.ketamine_session(patient, scheduled_at=in_days(day)) for day in range(-3, 4)
    ]
    client = as_user(therapist)
    seen, cursor = [], None
    while True:
        query = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get(url(patient), query_string=query).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(s.id) for s in sessions]
    upcoming = client.get(url(patient), query_string={"since": in_days(0.5).isoformat()})
    assert [item["id"] for item in upcoming.get_json()["items"]] == [
        str(s.id) for s in sessions[4:]
    ]
    bad = client.get(url(patient), query_string={"cursor": "nonsense"})
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]
    for query, field in (
        ({"since": "0001-01-01T00:00:00+05:00"}, "since"),
        ({"until": "2025-01-01T00:00:00"}, "until"),
        ({"since": in_days(2).isoformat(), "until": in_days(1).isoformat()}, "until"),
        ({"limit": 0}, "limit"),
        # A forged cursor holding a time no database can store.
        ({"cursor": FORGED_CURSOR}, "cursor"),
    ):
        refused = client.get(url(patient), query_string=query)
        assert refused.status_code == 422 and field in refused.get_json()["errors"], query


def test_a_session_of_another_patient_is_not_found(as_user, therapist, patient, clinic):
    other = factories.user(clinic, "patient", therapist=therapist)
    theirs = factories.ketamine_session(other)
    response = as_user(therapist).patch(
        url(patient, theirs.id), json={"version": 1, "status": "cancelled"}
    )
    assert response.status_code == 404
    theirs = db.session.get(DosingSession, theirs.id)
    assert theirs.status == "scheduled"
    missing = as_user(therapist).patch(url(patient, uuid.uuid4()), json={"version": 1})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"route": "rectal"}, "route"),
        ({"route": None}, "route"),
        ({"dose_mg": 0}, "dose_mg"),
        ({"dose_mg": -5}, "dose_mg"),
        ({"dose_mg": 0.001}, "dose_mg"),
        ({"dose_mg": "NaN"}, "dose_mg"),
        ({"dose_mg": 5000}, "dose_mg"),
        ({"dose_mg": "a lot"}, "dose_mg"),
        ({"dose_mg": True}, "dose_mg"),
        ({"setting": "beach"}, "setting"),
        ({"status": "cancelled"}, "status"),
        ({"scheduled_at": NAIVE}, "scheduled_at"),
        ({"scheduled_at": "next tuesday"}, "scheduled_at"),
        ({"scheduled_at": "2999-01-01T09:00:00+00:00"}, "scheduled_at"),
        ({"id": "not-a-uuid"}, "id"),
        ({"notes": "felt frightened"}, "notes"),
    ],
)
def test_bad_bookings_name_the_field_and_store_nothing(
    as_user, therapist, patient, announced, changes, field
):
    response = as_user(therapist).post(url(patient), json=booking(**changes))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    assert "felt frightened" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(DosingSession)) == 0
    assert announced == []


def test_a_booking_needs_a_time_and_a_route(as_user, therapist, patient):
    response = as_user(therapist).post(url(patient), json={})
    assert response.status_code == 422
    assert {"scheduled_at", "route"} <= set(response.get_json()["errors"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "cancelled"}, "version"),
        ({"version": "1", "status": "cancelled"}, "version"),
        ({"version": 1, "status": "postponed"}, "status"),
        (
            {"version": 1, "scheduled_at": NAIVE.replace("T", " ")},
            "scheduled_at",
        ),
        ({"version": 1, "patient_id": "00000000-0000-0000-0000-000000000000"}, "patient_id"),
    ],
)
def test_bad_edits_name_the_field_and_change_nothing(as_user, therapist, patient, body, field):
    session = factories.ketamine_session(patient)
    response = as_user(therapist).patch(url(patient, session.id), json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]
    session = db.session.get(DosingSession, session.id)
    assert session.version == 1 and session.status == "scheduled"
