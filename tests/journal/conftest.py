"""Helpers for the journal's tests: request bodies a phone would send."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from server.db import utcnow

#: The patient's phone is in New York in winter: UTC-5.
NEW_YORK = timezone(timedelta(hours=-5))


def local_now(offset=NEW_YORK) -> datetime:
    return utcnow().astimezone(offset).replace(microsecond=0)


def checkin_body(**fields) -> dict:
    body = {"id": str(uuid.uuid4()), "recorded_at": local_now().isoformat(), "mood": 6}
    body.update(fields)
    return body


def entry_body(**fields) -> dict:
    body = {
        "id": str(uuid.uuid4()),
        "written_at": local_now().isoformat(),
        "body": "The light through the window felt kind this morning.",
    }
    body.update(fields)
    return body


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


@pytest.fixture
def patient_client(as_user, patient):
    """The patient, signed in."""
    return as_user(patient)


@pytest.fixture
def other_patient(clinic, therapist):
    from tests import factories

    return factories.user(clinic, "patient", email="other.patient@clinic.test", therapist=therapist)
