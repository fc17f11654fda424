"""Raising and acknowledging flags, and the questionnaire rules.

Functions flush and never commit; the request (or CLI command) commits.

Privacy: only the safety rules (PHQ-9 item 9, a check-in saying "I don't
feel safe") look at private items, because a patient at risk must reach the
care team whatever they chose to share; the flag then says only that a
safety answer needs follow-up. Every other rule reads shared items only, so
a flag never reveals that a private item exists.

The check-in rules live in `server.flags.checkin_rules`, escalation in
`server.flags.escalation`, the deletion notice in `server.flags.notices`,
and every rule's threshold, as the workspace shows it, in
`server.flags.rules`.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from server.auth.models import User
from server.crypto import keyring, row_context
from server.db import utcnow
from server.extensions import db
from server.flags.models import KINDS, Flag
from server.measures import scoring
from server.signals import flag_raised

#: The PHQ-9 item whose answer above 0 is a safety answer, as a list index.
ITEM9_INDEX = 8


@dataclass(frozen=True)
class Cause:
    """What raises a flag: whose, from what, named once by `dedupe_key`; `level` for the
    kinds that have levels (a PHQ-9 item-9 answer, a severe total)."""

    patient_id: uuid.UUID
    clinic_id: uuid.UUID
    dedupe_key: str
    source_type: str | None = None
    source_id: uuid.UUID | None = None
    source_at: datetime | None = None
    level: int | None = None


def raise_flag(kind: str, **cause) -> Flag:
    """Raise a flag once per cause (the fields of `Cause`); returns the stored flag, new or not.

    `dedupe_key` names the cause. A second call for the same cause (a rule
    re-run, a racing request) returns the first flag and notifies nobody
    again. A new flag is announced with `signals.flag_raised` (sender=flag)
    so push can tell the care team.
    """
    return _raise(kind, Cause(**cause))


def _raise(kind: str, cause: Cause) -> Flag:
    severity = KINDS[kind][0]
    existing = db.session.scalar(select(Flag).where(Flag.dedupe_key == cause.dedupe_key))
    if existing is not None:
        return existing
    flag = Flag(
        id=uuid.uuid4(),
        clinic_id=cause.clinic_id,
        patient_id=cause.patient_id,
        kind=kind,
        severity=severity,
        source_type=cause.source_type,
        source_id=cause.source_id,
        source_at=cause.source_at,
        last_seen_at=cause.source_at,
        latest_source_id=cause.source_id,
        occurrences=1,
        level=cause.level,
        dedupe_key=cause.dedupe_key,
        raised_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(flag)
    except IntegrityError:
        # Another transaction raised it first; theirs is the flag.
        return db.session.scalar(select(Flag).where(Flag.dedupe_key == cause.dedupe_key))
    flag_raised.send(flag)
    return flag


def raise_or_repeat(kind: str, **cause) -> Flag:
    """Raise a flag, or count a repeat on the patient's open flag of that kind (`cause`:
    the fields of `Cause`).

    The entry point of every rule, and of the urgent safety flags: the
    PHQ-9 item-9 answer and the check-in saying "I don't feel safe" (kind
    `unsafe_checkin`, source_type `checkin`) come through here.

    No alarm fatigue: while a flag of this kind is open (not acknowledged),
    a cause at the same or a lower `level` updates it (`occurrences`,
    `latest_source_id`, `last_seen_at`) and sends no signal, so nobody is
    pushed again. A higher level, or any cause once every flag of the kind
    was acknowledged, raises a new flag. A kind without levels (`level`
    None) always repeats onto its open flag. The same cause twice (a replay,
    a re-run when sharing changes) counts once.
    """
    cause = Cause(**cause)
    level, source_id = cause.level, cause.source_id
    if db.session.scalar(select(Flag.id).where(Flag.dedupe_key == cause.dedupe_key)) is not None:
        return _raise(kind, cause)  # this cause raised a flag already
    open_flag = db.session.scalar(
        select(Flag)
        .where(
            Flag.patient_id == cause.patient_id,
            Flag.kind == kind,
            Flag.acknowledged_at.is_(None),
        )
        .order_by(func.coalesce(Flag.level, 0).desc(), Flag.raised_at.desc())
        .limit(1)
    )
    if open_flag is None or (level is not None and (open_flag.level or 0) < level):
        return _raise(kind, cause)
    if source_id is not None and source_id in (open_flag.source_id, open_flag.latest_source_id):
        return open_flag
    seen = cause.source_at or utcnow()
    changed = db.session.execute(
        update(Flag)
        .where(Flag.id == open_flag.id, Flag.acknowledged_at.is_(None))
        .values(
            occurrences=Flag.occurrences + 1,
            latest_source_id=source_id,
            last_seen_at=seen,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:  # acknowledged a moment ago: this cause is new
        return _raise(kind, cause)
    db.session.refresh(open_flag)
    return open_flag


def item9_level(instrument: str, answers: list[int]) -> int:
    """The PHQ-9 item-9 answer (0-3); 0 for other questionnaires."""
    if not scoring.safety_answer(instrument, answers):
        return 0
    return int(answers[ITEM9_INDEX])


def response_cause(response, patient: User) -> dict:
    """Whose flag a questionnaire response raises, and from what."""
    return {
        "patient_id": patient.id,
        "clinic_id": patient.clinic_id,
        "source_type": "measure_response",
        "source_id": response.id,
        "source_at": response.completed_at,
    }


def check_measure_response(response, patient: User) -> list:
    """Run the safety and severity rules on a stored response; returns the flags raised.

    - PHQ-9 item 9 above 0: urgent, at once, even from a private response;
      a repeat at the same or a lower level updates the open flag.
    - PHQ-9 total 20 or more: from shared responses only; a repeat at the
      same or a lower total updates the open flag.

    The rules judging change over time (worsening, the relapse signal) are
    in `server.flags.measure_rules`.

    Safe to run again (after the response is shared later): each cause is
    counted once.
    """
    raised = []
    common = response_cause(response, patient)
    if scoring.safety_answer(response.instrument, response.answers):
        raised.append(
            raise_or_repeat(
                "phq9_item9",
                dedupe_key=f"phq9_item9:{response.id}",
                level=item9_level(response.instrument, response.answers),
                **common,
            )
        )
    if not response.shared:
        return raised
    if response.instrument == "phq9" and response.total >= scoring.PHQ9_SEVERE:
        raised.append(
            raise_or_repeat(
                "phq9_severe",
                dedupe_key=f"phq9_severe:{response.id}",
                level=response.total,
                **common,
            )
        )
    return raised


def acknowledge(flag: Flag, therapist: User, *, outcome: str, note: str | None = None) -> bool:
    """Mark a flag seen with what was done; True if this call acknowledged it.

    The UPDATE only matches an open flag, so a second click (or a colleague
    at the same moment) leaves the first acknowledgement, its outcome and
    note in place. The note is encrypted at rest, bound to the flag's row.
    """
    values = {"acknowledged_at": utcnow(), "acknowledged_by_id": therapist.id, "outcome": outcome}
    if note:
        values["note_ciphertext"] = keyring().encrypt(note, row_context("flags", "note", flag.id))
    done = db.session.execute(
        update(Flag)
        .where(Flag.id == flag.id, Flag.acknowledged_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(flag)
    return bool(done)
