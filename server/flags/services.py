"""Raising and acknowledging flags, and the rules that raise them.

Functions flush and never commit; the request (or CLI command) commits.

Privacy: only the PHQ-9 item-9 rule looks at private responses, because a
patient at risk must reach the care team whatever they chose to share; the
flag then says only that a safety answer needs follow-up. Every other rule
reads shared items only, so a flag never reveals that a private item exists.
"""

import uuid
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from server.auth.models import User
from server.db import utcnow
from server.extensions import db
from server.flags.models import KINDS, Flag
from server.measures import scoring
from server.signals import flag_raised, item_created

#: A check-in's mood this far below the average of the week before is a sharp drop.
MOOD_DROP_POINTS = 3
#: The top of the mood scale: a mood above MOOD_MAX - MOOD_DROP_POINTS cannot be a drop.
MOOD_MAX = 10
MOOD_AVERAGE_WINDOW = timedelta(days=7)
#: How far back `flags scan` looks for dosing sessions whose early integration
#: passed without a check-in: a missed scan run is caught up, but first
#: deployment does not flag months-old sessions.
MISSED_CHECKIN_LOOK_BACK = timedelta(days=7)


def checkin_model():
    """The journal's CheckIn model, or None while the journal feature is absent.

    Imported lazily so flags does not depend on journal at import time.
    """
    try:
        from server.journal.models import CheckIn
    except ImportError:
        return None
    return CheckIn


def raise_flag(
    kind: str,
    *,
    patient_id: uuid.UUID,
    clinic_id: uuid.UUID,
    dedupe_key: str,
    source_type: str | None = None,
    source_id: uuid.UUID | None = None,
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


def check_measure_response(response, patient: User, previous_shared_total: int | None) -> list:
    """Run the measure rules on a stored response; returns the flags it has raised.

    - PHQ-9 item 9 above 0: urgent, at once, even from a private response.
    - PHQ-9 total 20 or more, and a reliable worsening against the previous
      shared response of the same instrument: from shared responses only.

    Safe to run again (after the response is shared later): each cause is
    raised once.
    """
    raised = []
    common = {
        "patient_id": patient.id,
        "clinic_id": patient.clinic_id,
        "source_type": "measure_response",
        "source_id": response.id,
    }
    if scoring.safety_answer(response.instrument, response.answers):
        raised.append(raise_flag("phq9_item9", dedupe_key=f"phq9_item9:{response.id}", **common))
    if not response.shared:
        return raised
    if response.instrument == "phq9" and response.total >= scoring.PHQ9_SEVERE:
        raised.append(raise_flag("phq9_severe", dedupe_key=f"phq9_severe:{response.id}", **common))
    change = scoring.reliable_change(response.instrument, previous_shared_total, response.total)
    if change == "worsened":
        raised.append(
            raise_flag(
                "reliable_worsening", dedupe_key=f"reliable_worsening:{response.id}", **common
            )
        )
    return raised


def check_mood_drop(checkin) -> Flag | None:
    """Flag a shared check-in whose mood is 3+ below the 7-day average of earlier shared ones.

    Private check-ins neither raise the flag nor count in the average: the
    flag must not let a therapist infer anything about private items.
    """
    CheckIn = checkin_model()
    if CheckIn is None or not checkin.shared or checkin.mood is None:
        return None
    if checkin.mood + MOOD_DROP_POINTS > MOOD_MAX:
        return None  # no average of moods on the scale is that far above it
    average = db.session.scalar(
        _earlier_mood_average(CheckIn),
        {
            "patient_id": checkin.patient_id,
            "checkin_id": checkin.id,
            "since": checkin.recorded_at - MOOD_AVERAGE_WINDOW,
            "until": checkin.recorded_at,
        },
    )
    if average is None or float(average) - checkin.mood < MOOD_DROP_POINTS:
        return None
    patient = db.session.get(User, checkin.patient_id)
    return raise_flag(
        "mood_drop",
        patient_id=patient.id,
        clinic_id=patient.clinic_id,
        dedupe_key=f"mood_drop:{checkin.id}",
        source_type="checkin",
        source_id=checkin.id,
    )


@cache
def _earlier_mood_average(CheckIn):
    """Mean mood of a patient's other shared check-ins in `[since, until)`.

    Built once. One range scan of the (patient_id, recorded_at) index over
    at most a week of one patient's check-ins, whatever the history's size.
    """
    return select(func.avg(CheckIn.mood)).where(
        CheckIn.patient_id == bindparam("patient_id"),
        CheckIn.shared.is_(True),
        CheckIn.mood.is_not(None),
        CheckIn.id != bindparam("checkin_id"),
        CheckIn.recorded_at >= bindparam("since"),
        CheckIn.recorded_at < bindparam("until"),
    )


@item_created.connect
def _on_item_created(item, **_):
    # By class name, so this module never imports the journal to learn the type.
    if type(item).__name__ == "CheckIn":
        check_mood_drop(item)


def scan_missed_checkins(now: datetime) -> list[Flag]:
    """Flag each dosing session whose early integration passed with no shared check-in.

    Early integration is the 72 h after a dose (`server.care.phase`); a
    session whose window ended within the last week and had no shared
    check-in raises one `missed_checkins` flag, keyed by the session, so
    running the scan again raises nothing new. Private check-ins do not
    count: to the care team they are silence, and counting them would reveal
    that they exist. Four statements plus one insert per new flag.
    """
    from server.care.models import DosingSession
    from server.care.phase import EARLY_INTEGRATION_WINDOW

    window_ends_after = now - MISSED_CHECKIN_LOOK_BACK
    sessions = db.session.execute(
        select(DosingSession.id, DosingSession.patient_id, DosingSession.scheduled_at)
        .join(User, User.id == DosingSession.patient_id)
        .where(
            DosingSession.status != "cancelled",
            DosingSession.scheduled_at <= now - EARLY_INTEGRATION_WINDOW,
            DosingSession.scheduled_at > window_ends_after - EARLY_INTEGRATION_WINDOW,
            User.role == "patient",
        )
    ).all()
    if not sessions:
        return []
    keys = {session_id: f"missed_checkins:{session_id}" for session_id, _, _ in sessions}
    already = set(
        db.session.scalars(select(Flag.dedupe_key).where(Flag.dedupe_key.in_(keys.values())))
    )
    pending = [s for s in sessions if keys[s[0]] not in already]
    if not pending:
        return []
    patient_ids = {patient_id for _, patient_id, _ in pending}
    checkins: dict[uuid.UUID, list[datetime]] = {patient_id: [] for patient_id in patient_ids}
    CheckIn = checkin_model()
    if CheckIn is not None:
        earliest = min(scheduled_at for _, _, scheduled_at in pending)
        conditions = [
            CheckIn.patient_id.in_(patient_ids),
            CheckIn.shared.is_(True),
            CheckIn.recorded_at >= earliest,
            CheckIn.recorded_at < now,
        ]
        for patient_id, recorded_at in db.session.execute(
            select(CheckIn.patient_id, CheckIn.recorded_at).where(*conditions)
        ):
            checkins[patient_id].append(recorded_at)
    clinics = dict(
        db.session.execute(select(User.id, User.clinic_id).where(User.id.in_(patient_ids))).all()
    )
    raised = []
    for session_id, patient_id, scheduled_at in pending:
        window_end = scheduled_at + EARLY_INTEGRATION_WINDOW
        if any(scheduled_at <= at < window_end for at in checkins[patient_id]):
            continue
        raised.append(
            raise_flag(
                "missed_checkins",
                patient_id=patient_id,
                clinic_id=clinics[patient_id],
                dedupe_key=keys[session_id],
                source_type="ketamine_session",
                source_id=session_id,
            )
        )
    return raised


def acknowledge(flag: Flag, therapist: User) -> Flag:
    """Mark a flag seen; the first acknowledgement's time and author are kept.

    The UPDATE only matches an open flag, so a second click (or a colleague
    at the same moment) leaves the first acknowledgement in place.
    """
    db.session.execute(
        update(Flag)
        .where(Flag.id == flag.id, Flag.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by_id=therapist.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(flag)
    return flag
