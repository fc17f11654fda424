"""Two bookings clashing sessions at the same moment: one is asked to confirm."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.care.models import DosingSession
from server.extensions import db
from tests import factories
from tests.care.helpers import postgres_only, race

pytestmark = pytest.mark.committed


def test_two_clashing_bookings_at_once_store_one(as_user):
    postgres_only()
    clinic = factories.clinic()
    therapist = factories.user(clinic, "therapist")
    patient = factories.user(clinic, "patient", therapist=therapist)
    when = (datetime.now(UTC) + timedelta(days=5)).replace(microsecond=0)
    url = f"/api/v1/patients/{patient.id}/ketamine-sessions"
    bodies = [
        {"id": str(uuid.uuid4()), "scheduled_at": when.isoformat(), "route": "iv"},
        {"id": str(uuid.uuid4()), "scheduled_at": when.isoformat(), "route": "im"},
    ]
    clients = [as_user(therapist), as_user(therapist)]
    # Each is held just before it writes: without the lock on the patient's
    # schedule both would have passed the check by then. With it, the second
    # waits for the first to commit (the barrier gives up after its timeout).
    responses = race(
        [lambda c=c, b=b: c.post(url, json=b) for c, b in zip(clients, bodies, strict=True)],
        DosingSession,
        "before_insert",
        timeout=2,
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    with db.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(DosingSession)) == 1
