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


def raise_flag(
    kind: str,
    *,
    patient_id: uuid.UUID,
    clinic_id: uuid.UUID,
    dedupe_key: str,
    source_type: str | None = None,
    source_id: uuid.UUID | None = None,
    source_at: datetime | None = None,
    level: int | None = None,
) -> Flag:
    """Raise a flag once per cause; returns the stored flag, new or not.

    `dedupe_key` names the cause. A second call for the same cause (a rule
    re-run, a racing request) returns the first flag and notifies nobody
    again. A new flag is announced with `signals.flag_raised` (sender=flag)
    so push can tell the care team.
    """
    severity = KINDS[kind][0]
    existing = db.session.scalar(select(Flag).where(Flag.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    flag = Flag(
        id=uuid.uuid4(),
        clinic_id=clinic_id,
        patient_id=patient_id,
        kind=kind,
        severity=severity,
        source_type=source_type,
        source_id=source_id,
        source_at=source_at,
        last_seen_at=source_at,
        latest_source_id=source_id,
        occurrences=1,
        level=level,
        dedupe_key=dedupe_key,
        raised_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(flag)
    except IntegrityError:
        # Another transaction raised it first; theirs is the flag.
        return db.session.scalar(select(Flag).where(Flag.dedupe_key == dedupe_key))
    flag_raised.send(flag)
    return flag


def raise_or_repeat(
    kind: str,
    *,
    patient_id: uuid.UUID,
    clinic_id: uuid.UUID,
    dedupe_key: str,
    source_type: str | None = None,
    source_id: uuid.UUID | None = None,
    source_at: datetime | None = None,
    level: int | None = None,
) -> Flag:
    """Raise a flag, or count a repeat on the patient's open flag of that kind.

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
    common = {
        "patient_id": patient_id,
        "clinic_id": clinic_id,
        "dedupe_key": dedupe_key,
        "source_type": source_type,
        "source_id": source_id,
        "source_at": source_at,
        "level": level,
    }
    if db.session.scalar(select(Flag.id).where(Flag.dedupe_key == dedupe_key)) is not None:
        return raise_flag(kind, **common)  # this cause raised a flag already
    open_flag = db.session.scalar(
        select(Flag)
        .where(Flag.patient_id == patient_id, Flag.kind == kind, Flag.acknowledged_at.is_(None))
        .order_by(func.coalesce(Flag.level, 0).desc(), Flag.raised_at.desc())
        .limit(1)
    )
    if open_flag is None or (level is not None and (open_flag.level or 0) < level):
        return raise_flag(kind, **common)
    if source_id is not None and source_id in (open_flag.source_id, open_flag.latest_source_id):
        return open_flag
    seen = source_at or utcnow()
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
        return raise_flag(kind, **common)
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
