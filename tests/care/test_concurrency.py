"""Racing requests: one booking per client id, and no edit silently lost.

These commit for real and run requests on threads. An ORM event holds each
request at the point of writing until both have read, so the race happens
every run instead of by luck.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.care.models import DosingSession
from server.extensions import db
from tests import factories
from tests.care.helpers import postgres_only, race

pytestmark = pytest.mark.committed


def in_days(days: float) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


@pytest.fixture
def people():
    clinic = factories.clinic()
    therapist = factories.user(clinic, "therapist")
    patient = factories.user(clinic, "patient", therapist=therapist)
    return therapist, patient


def test_two_identical_bookings_at_once_store_one_session(as_user, people):
    postgres_only()
    therapist, patient = people
    body = {
        "id": str(uuid.uuid4()),
        "scheduled_at": in_days(5).isoformat(),
        "route": "iv",
        "dose_mg": 40,
    }
    clients = [as_user(therapist), as_user(therapist)]
    url = f"/api/v1/patients/{patient.id}/ketamine-sessions"
    # The first holds the patient's schedule (server.care.conflicts) while it waits.
    responses = race(
        [lambda c=c: c.post(url, json=body) for c in clients],
        DosingSession,
        "before_insert",
        timeout=2,
    )
    assert sorted(r.status_code for r in responses) == [200, 201]
    assert responses[0].get_json() == responses[1].get_json()
    with db.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(DosingSession)) == 1


def test_two_edits_of_the_same_version_at_once_let_only_one_win(as_user, people):
    postgres_only()
    therapist, patient = people
    session = factories.ketamine_session(patient, scheduled_at=in_days(5))
    url = f"/api/v1/patients/{patient.id}/ketamine-sessions/{session.id}"
    clients = [as_user(therapist), as_user(therapist)]
    bodies = [{"version": 1, "dose_mg": 30}, {"version": 1, "dose_mg": 90}]
    responses = race(
        [lambda c=c, b=b: c.patch(url, json=b) for c, b in zip(clients, bodies, strict=True)],
        DosingSession,
        "before_update",
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409]
    winner = next(r for r in responses if r.status_code == 200).get_json()
    with db.engine.connect() as connection:
        stored = connection.execute(select(DosingSession.dose_mg, DosingSession.version)).one()
    assert (stored.dose_mg, stored.version) == (winner["dose_mg"], 2)
