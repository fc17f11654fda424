"""Helpers for flag tests: check-ins as the journal stores them."""

import uuid

import pytest

from server.extensions import db
from server.signals import item_created


@pytest.fixture
def checkin():
    """`checkin(patient, mood, at, shared=True)` stores a check-in and announces it.

    The journal feature sends `item_created` for each new check-in; this
    does the same, so the flag rules run exactly as they do in production.
    """
    from server.journal.models import CheckIn

    def make(patient, mood, at, *, shared=True, announce=True):
        made = CheckIn(
            id=uuid.uuid4(),
            patient_id=patient.id,
            recorded_at=at,
            mood=mood,
            shared=shared,
        )
        db.session.add(made)
        db.session.flush()
        if announce:
            item_created.send(made)
        db.session.commit()
        return made

    return make
