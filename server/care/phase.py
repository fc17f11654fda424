"""A patient's phase, derived from their dosing sessions and their own time zone.

Phases are never stored: they follow the schedule, so moving or cancelling a
dosing session changes them at once. The rules, first match wins:

1. ``dosing_day``: the patient's local calendar day of a dosing session
   (00:00 to 24:00 where the patient lives, whatever the hour of the dose).
2. ``early_integration``: from a dosing session's start until
   ``EARLY_INTEGRATION`` (72 h) after it. Elapsed time, not local days, so a
   DST change neither shortens nor stretches it.
3. ``preparation``: the ``PREPARATION_DAYS`` (3) local days before a dosing
   session's local day. Early integration wins over preparation when sessions
   are close together (an IV series on Monday, Wednesday and Friday): the
   days right after a dose are the ones clinicians most need to hear about.
4. ``integration``: any other time after a dosing session has taken place.
5. Before any dosing session has taken place, a patient is in
   ``preparation``: KAP starts with preparation, even while the first
   session is not yet booked.

Only cancelled sessions are ignored. A scheduled session whose time has
passed counts as having happened: therapists do not always mark sessions
completed, and a patient should not fall back into preparation for that.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import aliased

from server.auth.models import User
from server.care.models import DosingSession
from server.extensions import db
from server.fields import zone

PREPARATION = "preparation"
DOSING_DAY = "dosing_day"
EARLY_INTEGRATION = "early_integration"
INTEGRATION = "integration"
PHASES = (PREPARATION, DOSING_DAY, EARLY_INTEGRATION, INTEGRATION)

#: How long after a dose the patient is in early integration.
EARLY_INTEGRATION_WINDOW = timedelta(hours=72)
#: How many local days before a dosing day are preparation.
PREPARATION_DAYS = 3
#: On a dosing day, prompts about the dose wait this long after it starts:
#: the acute effects, and the ride home, come first.
DOSING_DAY_WAIT = timedelta(hours=3)

# Sessions that can decide the phase lie within this distance of `at`: the
# local day of `at` is at most 14 h away from UTC either way, early
# integration reaches 72 h back, preparation at most 4 local days ahead.
_LOOK_BACK = EARLY_INTEGRATION_WINDOW + timedelta(days=2)
_LOOK_AHEAD = timedelta(days=PREPARATION_DAYS + 3)


@dataclass(frozen=True)
class Phase:
    """Where a patient stands, and the dosing session that puts them there.

    `ketamine_session_id` is the session of the dosing day, the one being
    prepared for, or the latest one integrated; None only before any session
    is booked.
    """

    name: str
    ketamine_session_id: uuid.UUID | None = None
    ketamine_session_at: datetime | None = None
    #: In integration: whether another dosing session is booked after `at`
    #: (False: the series has ended as far as it is booked).
    another_booked: bool = field(default=False, compare=False)


def phase_at(patient: User, at: datetime) -> Phase:
    """The phase of `patient` at the aware instant `at`, in one query."""
    return phases_for([patient], at)[patient.id]


def phases_for(patients: Iterable[User], at: datetime) -> dict[uuid.UUID, Phase]:
    """Phases of many patients at `at`, keyed by patient id, in one query."""
    if at.tzinfo is None:
        raise ValueError("phases need an aware datetime")
    patients = list(patients)
    if not patients:
        return {}
    sessions: dict[uuid.UUID, list[tuple[uuid.UUID, datetime]]] = {p.id: [] for p in patients}
    for patient_id, session_id, scheduled_at in db.session.execute(
        _deciding_sessions(list(sessions), at)
    ):
        sessions[patient_id].append((session_id, scheduled_at))
    return {p.id: decide(sessions[p.id], zone(p.time_zone), at) for p in patients}


def _deciding_sessions(patient_ids: list[uuid.UUID], at: datetime):
    """Non-cancelled sessions near `at`, and each patient's nearest ones outside that window.

    The latest earlier session tells integration (a session has happened)
    from preparation (none has) and names the session integrated; the first
    later one names the session a new patient is preparing for.
    """
    return _DECIDING_SESSIONS.params(
        patient_ids=patient_ids, window_start=at - _LOOK_BACK, window_end=at + _LOOK_AHEAD
    )


def _deciding_sessions_statement():
    # Built once: every request asks for a patient's phase, and composing the
    # aliased subqueries cost more CPU than running the query.
    window_start = bindparam("window_start", type_=DosingSession.scheduled_at.type)
    window_end = bindparam("window_end", type_=DosingSession.scheduled_at.type)
    before, after = aliased(DosingSession), aliased(DosingSession)
    latest_before_window = (
        select(func.max(before.scheduled_at))
        .where(
            before.patient_id == DosingSession.patient_id,
            before.status != "cancelled",
            before.scheduled_at < window_start,
        )
        .scalar_subquery()
    )
    first_after_window = (
        select(func.min(after.scheduled_at))
        .where(
            after.patient_id == DosingSession.patient_id,
            after.status != "cancelled",
            after.scheduled_at > window_end,
        )
        .scalar_subquery()
    )
    return (
        select(DosingSession.patient_id, DosingSession.id, DosingSession.scheduled_at)
        .where(
            DosingSession.patient_id.in_(bindparam("patient_ids", expanding=True)),
            DosingSession.status != "cancelled",
            or_(
                DosingSession.scheduled_at.between(window_start, window_end),
                DosingSession.scheduled_at == latest_before_window,
                DosingSession.scheduled_at == first_after_window,
            ),
        )
        .order_by(DosingSession.patient_id, DosingSession.scheduled_at, DosingSession.id)
    )


_DECIDING_SESSIONS = _deciding_sessions_statement()


def decide(sessions: Sequence[tuple[uuid.UUID, datetime]], tz: ZoneInfo, at: datetime) -> Phase:
    """Apply the rules above to `(id, scheduled_at)` pairs sorted by time.

    Pure, so the rules can be reasoned about apart from the database. It must
    see every non-cancelled session within the window `phases_for` loads.
    """
    today = _local_day(at, tz)
    past = [s for s in sessions if s[1] <= at]
    future = [s for s in sessions if s[1] > at]

    todays = [s for s in sessions if _local_day(s[1], tz) == today]
    if todays:
        # Several on one day (rare): name the one under way, else the first to come.
        started = [s for s in todays if s[1] <= at]
        chosen = started[-1] if started else todays[0]
        return Phase(DOSING_DAY, *chosen)

    if past and at - past[-1][1] < EARLY_INTEGRATION_WINDOW:
        return Phase(EARLY_INTEGRATION, *past[-1])

    if future:
        upcoming = future[0]
        days_ahead = (_local_day(upcoming[1], tz) - today).days
        if days_ahead <= PREPARATION_DAYS or not past:
            return Phase(PREPARATION, *upcoming)

    if past:
        return Phase(INTEGRATION, *past[-1], another_booked=bool(future))
    return Phase(PREPARATION)


def _local_day(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()
