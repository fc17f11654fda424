"""Two identical prompt assignments at once (a double click, a retry racing the
original) store one."""

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.journal.models import PromptAssignment
from server.journal.prompts import ensure_clinic_library
from tests import factories
from tests.care.helpers import postgres_only, race

pytestmark = pytest.mark.committed


def test_two_identical_assignments_at_once_store_one(as_user):
    postgres_only()
    clinic = factories.clinic()
    therapist = factories.user(clinic, "therapist")
    patient = factories.user(clinic, "patient", therapist=therapist)
    prompt = factories.prompt(clinic)
    # The clinic's library already made, as in any clinic past its first day: its
    # first making would make the second request wait by itself.
    ensure_clinic_library(clinic.id)
    db.session.commit()
    url = f"/api/v1/patients/{patient.id}/prompt-assignments"
    body = {"prompt_ids": [str(prompt.id)]}
    clients = [as_user(therapist), as_user(therapist)]
    # Each is held just before it writes; the lock on the patient's row makes
    # the second wait for the first to commit (the barrier gives up first).
    responses = race(
        [lambda c=c: c.post(url, json=body) for c in clients],
        PromptAssignment,
        "before_insert",
        timeout=2,
    )
    assert [r.status_code for r in responses] == [201, 201]
    ids = {r.get_json()["items"][0]["id"] for r in responses}
    assert len(ids) == 1
    with db.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(PromptAssignment)) == 1
