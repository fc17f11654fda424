"""Acknowledging records what was done: an outcome from a short list and an optional note."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from server.audit.models import AuditEvent
from server.auth.models import CareTeamMember
from server.db import utcnow
from server.extensions import db
from server.flags.models import OUTCOMES, Flag
from tests import factories
from tests.conftest import LOG_CANARY

FLAGS = "/api/v1/flags"


def ack(client, flag, **body):
    return client.post(f"{FLAGS}/{flag.id}/acknowledge", json=body)


def test_the_outcome_is_one_of_the_short_list(as_user, therapist, patient):
    flag = factories.flag(patient, "phq9_item9")
    client = as_user(therapist)
    missing = ack(client, flag)
    assert missing.status_code == 422 and "outcome" in missing.get_json()["errors"]
    wrong = ack(client, flag, outcome="called_911")
    assert wrong.status_code == 422 and "outcome" in wrong.get_json()["errors"]
    too_long = ack(client, flag, outcome="other", note="x" * 2001)
    assert too_long.status_code == 422 and "note" in too_long.get_json()["errors"]
    stored = db.session.get(Flag, flag.id, populate_existing=True)
    assert stored.acknowledged_at is None and stored.outcome is None  # nothing half-written
    assert set(OUTCOMES) == {
        "contacted_patient",
        "reviewed_at_session",
        "safety_plan_reviewed",
        "no_action_needed",
        "other",
    }


def test_the_outcome_and_note_are_kept_and_the_note_encrypted(
    as_user, therapist, patient, log_canary
):
    flag = factories.flag(patient, "phq9_item9", raised_at=utcnow() - timedelta(hours=2))
    note = f"{LOG_CANARY} called her, she is with her sister tonight"
    done = ack(as_user(therapist), flag, outcome="contacted_patient", note=note)
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["outcome"] == "contacted_patient" and body["note"] == note
    assert 2 * 3600 <= body["seconds_to_acknowledge"] < 2 * 3600 + 60
    stored = db.session.scalar(select(Flag.note_ciphertext).where(Flag.id == flag.id))
    assert stored and LOG_CANARY.encode() not in stored
    [event] = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "flag_acknowledged", AuditEvent.object_id == flag.id
        )
    ).all()
    assert event.actor_id == therapist.id
    assert [line for line in log_canary.lines if LOG_CANARY in line] == []


def test_a_second_acknowledgement_keeps_the_first_outcome_and_note(
    as_user, clinic, therapist, patient
):
    colleague = factories.user(clinic, "therapist")
    db.session.add(CareTeamMember(patient_id=patient.id, therapist_id=colleague.id))
    db.session.commit()
    flag = factories.flag(patient, "phq9_item9")
    first = ack(as_user(therapist), flag, outcome="safety_plan_reviewed", note="Plan reviewed.")
    second = ack(as_user(colleague), flag, outcome="no_action_needed")
    assert second.status_code == 200
    assert second.get_json()["outcome"] == "safety_plan_reviewed"
    assert second.get_json()["note"] == "Plan reviewed."
    assert second.get_json()["acknowledged_at"] == first.get_json()["acknowledged_at"]
    audited = db.session.scalars(
        select(AuditEvent.id).where(
            AuditEvent.action == "flag_acknowledged", AuditEvent.object_id == flag.id
        )
    ).all()
    assert len(audited) == 1


def test_without_a_note_none_is_stored(as_user, therapist, patient):
    flag = factories.flag(patient, "mood_drop")
    assert ack(as_user(therapist), flag, outcome="reviewed_at_session").status_code == 200
    stored = db.session.get(Flag, flag.id, populate_existing=True)
    assert stored.outcome == "reviewed_at_session" and stored.note_ciphertext is None


def test_an_unknown_flag_is_404_whatever_the_body(as_user, therapist):
    answer = as_user(therapist).post(
        f"{FLAGS}/{uuid.uuid4()}/acknowledge", json={"outcome": "other"}
    )
    assert answer.status_code == 404
