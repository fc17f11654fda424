"""Flags from check-ins: a sustained low mood, a drop, silence after a dose.

Every threshold is a constant here and is described, with its value, by
`server.flags.rules` (what the workspace shows under "why was this
flagged?"); change one and its description follows.

Private check-ins neither raise the mood flags nor count in them: the flag
must not let a therapist infer anything about private items. The explicit
"I don't feel safe" answer, which does, raises its urgent flag shared or
private (`check_checkin`).
"""

import statistics
import uuid
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, select

from server.auth.models import User
from server.extensions import db
from server.flags.models import Flag
from server.flags.services import raise_flag, raise_or_repeat
from server.journal.models import CheckIn

#: The top of the mood scale (0-10).
MOOD_MAX = 10
#: How far back a patient's own usual mood and spread are taken from.
MOOD_HISTORY_WINDOW = timedelta(days=28)
#: Earlier shared check-ins needed in the window before a drop is judged.
MOOD_HISTORY_MIN = 7
#: A spread (standard deviation) below this counts as this: a patient whose
#: mood never moves is not flagged for a one-point dip.
SPREAD_FLOOR = 1.0
#: A single check-in is a large drop when it is at least this many points
#: below the patient's usual mood...
LARGE_DROP_POINTS = 3
#: ... and at least this many of their own spreads below it.
LARGE_DROP_SPREADS = 3.5
#: Two check-ins in a row are a persisting drop when each is at least this
#: many points below the usual mood (of the check-ins before them)...
PERSISTING_DROP_POINTS = 2
#: ... and at least this many spreads below it.
PERSISTING_DROP_SPREADS = 2
#: A sustained low mood: this many shared check-ins in a row ...
LOW_MOOD_RUN = 3
#: ... each with a mood at or below this.
LOW_MOOD_MAX = 2
#: How far back `flags scan` looks for dosing sessions whose early integration
#: passed without a check-in: a missed scan run is caught up, but first
#: deployment does not flag months-old sessions.
MISSED_CHECKIN_LOOK_BACK = timedelta(days=7)
#: The most earlier check-ins read for the mood rules (four weeks of about two a day).
_HISTORY_LIMIT = 60


def _could_be_flagged(mood: int) -> bool:
    """Whether any mood rule could fire for this mood, before reading the history."""
    return mood <= LOW_MOOD_MAX or mood + PERSISTING_DROP_POINTS <= MOOD_MAX


def check_mood(checkin) -> list[Flag]:
    """The mood rules on a new shared check-in: a sustained low mood, and a drop.

    One statement reads the patient's earlier shared moods of the last
    four weeks; a flag is raised (or its open one updated) only when a rule
    fires.
    """
    if not checkin.shared or checkin.mood is None:
        return []
    if not _could_be_flagged(checkin.mood):
        return []
    earlier = [
        mood
        for (mood,) in db.session.execute(
            _earlier_moods(),
            {
                "patient_id": checkin.patient_id,
                "checkin_id": checkin.id,
                "since": checkin.recorded_at - MOOD_HISTORY_WINDOW,
                "until": checkin.recorded_at,
            },
        )
    ]  # newest first
    raised = []
    if sustained_low(checkin.mood, earlier):
        raised.append(_raise(checkin, "low_mood"))
    if mood_drop(checkin.mood, earlier):
        raised.append(_raise(checkin, "mood_drop"))
    return raised


def sustained_low(mood: int, earlier: list[int]) -> bool:
    """This and the check-ins just before it, LOW_MOOD_RUN in all, each LOW_MOOD_MAX or below."""
    run = [mood, *earlier[: LOW_MOOD_RUN - 1]]
    return len(run) == LOW_MOOD_RUN and all(m <= LOW_MOOD_MAX for m in run)


def usual_and_spread(moods: list[int]) -> tuple[float, float]:
    """The patient's usual mood (mean) and day-to-day spread (at least SPREAD_FLOOR)."""
    return statistics.fmean(moods), max(SPREAD_FLOOR, statistics.stdev(moods))


def mood_drop(mood: int, earlier: list[int]) -> bool:
    """A drop that is large against the patient's own spread, or that persists.

    - Large: LARGE_DROP_POINTS and LARGE_DROP_SPREADS spreads below the usual
      mood of the earlier check-ins.
    - Persisting: this and the check-in before it are each
      PERSISTING_DROP_POINTS and PERSISTING_DROP_SPREADS spreads below the
      usual mood of the check-ins before those two.

    Fewer than MOOD_HISTORY_MIN earlier check-ins: no usual mood to judge by.
    """
    if len(earlier) >= MOOD_HISTORY_MIN:
        usual, spread = usual_and_spread(earlier)
        if usual - mood >= max(LARGE_DROP_POINTS, LARGE_DROP_SPREADS * spread):
            return True
    if len(earlier) >= MOOD_HISTORY_MIN + 1:
        usual, spread = usual_and_spread(earlier[1:])
        below = max(PERSISTING_DROP_POINTS, PERSISTING_DROP_SPREADS * spread)
        if usual - mood >= below and usual - earlier[0] >= below:
            return True
    return False


def _raise(checkin, kind: str) -> Flag:
    patient = db.session.get(User, checkin.patient_id)
    return raise_or_repeat(
        kind,
        patient_id=patient.id,
        clinic_id=patient.clinic_id,
        dedupe_key=f"{kind}:{checkin.id}",
        source_type="checkin",
        source_id=checkin.id,
        source_at=checkin.recorded_at,
    )


@cache
def _earlier_moods():
    """A patient's other shared moods in `[since, until)`, newest first.

    Built once. One range scan of the (patient_id, recorded_at) index over
    at most four weeks of one patient's check-ins, whatever the history's size.
    """
    return (
        select(CheckIn.mood)
        .where(
            CheckIn.patient_id == bindparam("patient_id"),
            CheckIn.shared.is_(True),
            CheckIn.mood.is_not(None),
            CheckIn.id != bindparam("checkin_id"),
            CheckIn.recorded_at >= bindparam("since"),
            CheckIn.recorded_at < bindparam("until"),
        )
        .order_by(CheckIn.recorded_at.desc())
        .limit(_HISTORY_LIMIT)
    )


def check_checkin(checkin: CheckIn) -> list[Flag]:
    """Every check-in rule on a new check-in: the mood rules, then "I don't feel safe".

    Like a PHQ-9 safety answer, "I don't feel safe" tells the care team even
    when the check-in is private (the flag names no content). While such a
    flag is open, another one updates it (no new push).
    """
    raised = check_mood(checkin)
    if checkin.unsafe:
        raised.append(_raise(checkin, "unsafe_checkin"))
    return raised


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
                source_at=scheduled_at,
            )
        )
    return raised
