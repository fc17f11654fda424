"""When reminders are due, in the patient's own time zone.

Reminders are planned into the outbox when their cause changes (a dosing
session created, moved or cancelled; settings changed; a new device: see
`receivers`) and by the worker's periodic pass as days go by, which also
re-plans every recent dosing session from the care feature's own table, so
a change whose receiver failed is caught up within one pass. Planning is
idempotent: it states what should be pending and `outbox.reconcile` makes
the outbox match.

Times: a wall-clock time is turned into an instant with zoneinfo on the
given day, so a 20:00 reminder stays at 20:00 local across DST changes. A
time inside the spring-forward gap does not exist; PEP 495's fold=0 maps it
with the offset from before the change, which moves it forward by the
length of the gap (02:30 becomes 03:30). In the autumn overlap the first
02:30 is used. Quiet hours (local, may wrap midnight) push a due time to the
end of the quiet window.
"""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.auth.models import User
from server.care.models import DosingSession
from server.care.phase import DOSING_DAY_WAIT
from server.db import insert_first, utcnow
from server.extensions import db
from server.fields import zone
from server.measures import queries as measure_queries
from server.push import outbox
from server.push.models import ClinicPushSchedule, Notification, PushSubscription
from server.push.outbox import Planned, as_utc, device_ids

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PromptSlot:
    """A prompt `days` after the session's local date, at local time `at`."""

    name: str
    days: int
    at: time


#: The default prompts around a dosing session; a clinic may set its own
#: (`set_session_prompts`). Evenings, when there is time to reflect.
DEFAULT_SESSION_PROMPTS = (
    PromptSlot("evening_before", -1, time(19, 0)),
    PromptSlot("evening_of", 0, time(19, 0)),
    PromptSlot("day_1", 1, time(19, 0)),
    PromptSlot("day_3", 3, time(19, 0)),
    PromptSlot("day_7", 7, time(19, 0)),
)
#: How a refused save of a clinic's prompt times names them (`server.errors.stale`).
PROMPT_SCHEDULE = "The prompt schedule"
#: On the dosing day, wait at least this long after the session starts: the
#: acute effects (and the ride home) come first. The same wait as the
#: dosing-day prompts' (`server.care.phase.DOSING_DAY_WAIT`), so a reminder
#: never points at prompts that are not offered yet.
EVENING_OF_MIN_GAP = DOSING_DAY_WAIT
#: The check after a dose (server/companion) is due the next local morning
#: at this time, after quiet hours.
NEXT_DAY_CHECK_AT = time(9, 0)
#: Local time of a reminder about a questionnaire due that day.
MEASURE_REMINDER_AT = time(10, 0)
#: Check-in reminders are planned this many local days ahead (today included);
#: the worker extends the horizon as days pass.
CHECKIN_DAYS_AHEAD = 3
#: `cause_type` of a dosing session's prompts (the table's name, SPEC 4).
SESSION_CAUSE = "ketamine_session"
CHECKIN_CAUSE = "daily_checkin"
MEASURE_CAUSE = "measure"


# -- time arithmetic ---------------------------------------------------------------------------


def at_local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `tz` (see module doc for DST)."""
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=tz).astimezone(UTC)


def after_quiet_hours(
    instant: datetime, tz: ZoneInfo, start: time | None, end: time | None
) -> datetime:
    """`instant`, or the end of the quiet window it falls in (local time)."""
    if start is None or end is None or start == end:
        return instant
    start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    local = instant.astimezone(tz)
    clock, day = local.time(), local.date()
    if start < end:  # e.g. 13:00-15:00, within one day
        quiet_until = day if start <= clock < end else None
    elif clock >= start:  # e.g. 22:00-08:00, late evening: until tomorrow morning
        quiet_until = day + timedelta(days=1)
    elif clock < end:  # early morning: until this morning's end
        quiet_until = day
    else:
        quiet_until = None
    if quiet_until is None:
        return instant
    return max(instant, at_local(quiet_until, end, tz))


def _respecting_quiet_hours(user: User, instant: datetime) -> datetime:
    return after_quiet_hours(
        instant, zone(user.time_zone), user.quiet_hours_start, user.quiet_hours_end
    )


def next_day_check_due(session_at: datetime, user: User) -> datetime:
    """When the check after the dose at `session_at` is due: the next local day at
    `NEXT_DAY_CHECK_AT` (a wall-clock time, so DST does not move it), after quiet hours."""
    tz = zone(user.time_zone)
    day = as_utc(session_at).astimezone(tz).date() + timedelta(days=1)
    return _respecting_quiet_hours(user, at_local(day, NEXT_DAY_CHECK_AT, tz))


# -- the clinic's prompt times -----------------------------------------------------------------


def session_prompt_slots(clinic_id: uuid.UUID) -> tuple[PromptSlot, ...]:
    """The clinic's prompt times around each dosing session, else the defaults."""
    return slots_of(db.session.get(ClinicPushSchedule, clinic_id))


def slots_of(stored: ClinicPushSchedule | None) -> tuple[PromptSlot, ...]:
    """The prompt times of a clinic's stored schedule (None: the defaults)."""
    if stored is None:
        return DEFAULT_SESSION_PROMPTS
    return tuple(
        PromptSlot(item["name"], int(item["days"]), time.fromisoformat(item["at"]))
        for item in stored.session_prompts
    )


def set_session_prompts(
    clinic_id: uuid.UUID,
    slots: Iterable[PromptSlot] | None,
    *,
    stored: ClinicPushSchedule | None,
) -> None:
    """Set (or, with None, reset to the defaults) a clinic's session prompt times over
    `stored`, its row as the caller read it (locked), or None when it found none: a row
    another save inserted since then makes this a 409, not an overwrite.

    Stores only; `clinic_schedule.set_clinic_session_prompts` also moves what
    is queued.
    """
    if slots is None:
        if stored is not None:
            db.session.delete(stored)
        db.session.flush()
        return
    items = []
    for slot in slots:
        if not (-7 <= slot.days <= 30) or not slot.name:
            raise ValueError("a prompt is at most 7 days before or 30 days after a session")
        items.append({"name": slot.name, "days": slot.days, "at": slot.at.strftime("%H:%M")})
    if stored is None:
        row = ClinicPushSchedule(clinic_id=clinic_id, session_prompts=items)
        insert_first(db.session, row, PROMPT_SCHEDULE)
    else:
        stored.session_prompts = items
    db.session.flush()


# -- what should be pending --------------------------------------------------------------------


def checkin_plan(user: User, now: datetime, days: int = CHECKIN_DAYS_AHEAD) -> list[Planned]:
    """Daily check-in reminders for the next `days` local days still ahead."""
    if not user.is_patient or not user.checkin_times:
        return []
    tz = zone(user.time_zone)
    today = now.astimezone(tz).date()
    planned = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        seen = set()
        for at in user.checkin_times:
            due = _respecting_quiet_hours(user, at_local(day, at, tz))
            if due <= now or due in seen:
                continue  # two times moved to the end of quiet hours remind once
            seen.add(due)
            # The first time keeps the key it always had, so its pending rows stay.
            key = f"checkin:{user.id}:{day.isoformat()}"
            if at != user.checkin_time:
                key += f":{at.strftime('%H%M')}"
            planned.append(Planned("checkin_reminder", key, due, CHECKIN_CAUSE, user.id))
    return planned


def session_plan(session: DosingSession, user: User) -> list[Planned]:
    """The prompts around one dosing session, past ones included (see reconcile)."""
    if session.status == "cancelled":
        return []
    tz = zone(user.time_zone)
    starts = as_utc(session.scheduled_at)
    session_day = starts.astimezone(tz).date()
    planned = []
    for slot in session_prompt_slots(user.clinic_id):
        day = session_day + timedelta(days=slot.days)
        due = at_local(day, slot.at, tz)
        if slot.days == 0:
            due = max(due, starts + EVENING_OF_MIN_GAP)
        due = _respecting_quiet_hours(user, due)
        if slot.days < 0 and due >= starts:
            continue  # quiet hours pushed a "before" prompt past the session itself
        planned.append(
            Planned(
                "prompt_reminder",
                # The nominal day is part of the key: moving the session to
                # another day is a new reminder, not the old one re-timed.
                f"prompt:{session.id}:{slot.name}:{day.isoformat()}",
                due,
                SESSION_CAUSE,
                session.id,
            )
        )
    return planned


def next_day_check_plan(session: DosingSession, user: User) -> list[Planned]:
    """The reminder of the check the morning after the dose (server/companion asks it)."""
    if session.status == "cancelled":
        return []
    starts = as_utc(session.scheduled_at)
    check_day = starts.astimezone(zone(user.time_zone)).date() + timedelta(days=1)
    return [
        Planned(
            "next_day_check",
            f"after_dose:{session.id}:{check_day.isoformat()}",
            next_day_check_due(starts, user),
            SESSION_CAUSE,
            session.id,
        )
    ]


def plan_checkins(user: User, now: datetime | None = None) -> None:
    now = now or utcnow()
    outbox.reconcile(
        user.id,
        checkin_plan(user, now),
        device_ids(user.id),
        scope=(Notification.kind == "checkin_reminder") & (Notification.due_at > now),
        now=now,
    )


def plan_session(session: DosingSession, user: User, now: datetime | None = None) -> None:
    """Make a dosing session's pending prompts match its time and status."""
    now = now or utcnow()
    if session.status == "cancelled":
        outbox.cancel_pending(
            cause_type=SESSION_CAUSE, cause_id=session.id, reason="session cancelled"
        )
        return
    outbox.reconcile(
        user.id,
        session_plan(session, user) + next_day_check_plan(session, user),
        device_ids(user.id),
        scope=(Notification.cause_type == SESSION_CAUSE) & (Notification.cause_id == session.id),
        now=now,
    )


def sessions_with_prompts_ahead(
    now: datetime, *, reach_days: int, patient_id=None, clinic_id=None
) -> list[tuple[DosingSession, User]]:
    """Dosing sessions not cancelled whose prompts may still lie ahead, with their patient.

    `reach_days`: the latest prompt's day after its session.
    """
    query = (
        select(DosingSession, User)
        .join(User, User.id == DosingSession.patient_id)
        .where(
            DosingSession.status != "cancelled",
            DosingSession.scheduled_at >= now - timedelta(days=max(reach_days, 0) + 2),
        )
        .order_by(DosingSession.scheduled_at, DosingSession.id)
    )
    if patient_id is not None:
        query = query.where(DosingSession.patient_id == patient_id)
    if clinic_id is not None:
        query = query.where(User.clinic_id == clinic_id)
    return [(session, user) for session, user in db.session.execute(query)]


def _recent_sessions(user: User, now: datetime) -> list[DosingSession]:
    # At least 1: the check the morning after the dose is planned from these too.
    latest = max((s.days for s in session_prompt_slots(user.clinic_id)), default=0)
    latest = max(latest, 1)
    return [
        session
        for session, _ in sessions_with_prompts_ahead(now, reach_days=latest, patient_id=user.id)
    ]


def plan_measures(user: User, now: datetime | None = None) -> None:
    """A reminder for each measure the measures feature says is due now."""
    now = now or utcnow()
    due = _due_measures(user, now)
    if due is None:
        return  # the measures feature could not say; change nothing
    tz = zone(user.time_zone)
    today = now.astimezone(tz).date()
    planned = []
    for instrument, reason, due_day in due:
        # On the morning of the day it became due; if that has passed, now.
        remind_at = max(now, at_local(due_day or today, MEASURE_REMINDER_AT, tz))
        if due_day is not None:
            when = due_day.isoformat()
        else:
            # No due date given: remind at most once a week, not every day.
            year, week, _ = now.astimezone(tz).isocalendar()
            when = f"{year}-W{week:02d}"
        planned.append(
            Planned(
                "measure_due",
                # One reminder per instrument and cause. Two due at once share
                # the tag `measure_due`, so the device shows one notification.
                f"measure:{user.id}:{instrument}:{reason}:{when}",
                _respecting_quiet_hours(user, remind_at),
                MEASURE_CAUSE,
                None,
            )
        )
    outbox.reconcile(
        user.id,
        planned,
        device_ids(user.id),
        scope=Notification.kind == "measure_due",
        now=now - timedelta(seconds=1),
    )


def _due_measures(user: User, now: datetime) -> list[tuple[str, str, date | None]] | None:
    """(instrument, reason, due day) from the measures feature's `due_measures`.

    None means "unknown" (that feature failed), which is not the same as
    "nothing due": another feature's failure must not stop reminders.
    """
    try:
        with db.session.begin_nested():
            items = list(measure_queries.due_measures(user, now) or [])
    except Exception as error:
        log.warning(
            "push: due_measures failed (%s); measure reminders skipped", type(error).__name__
        )
        return None
    result = []
    for item in items:
        instrument, reason, due = item.get("instrument"), item.get("reason"), item.get("due_since")
        if not isinstance(instrument, str) or not instrument:
            continue
        if isinstance(due, datetime):
            due = as_utc(due).astimezone(zone(user.time_zone)).date()
        elif not isinstance(due, date):
            due = None
        reason = reason[:20] if isinstance(reason, str) and reason else "due"
        result.append((instrument[:20], reason, due))
    return result


def plan_user(user: User, now: datetime | None = None) -> None:
    """What a user's devices should hold: check-ins and session prompts.

    Measures are left to the worker's periodic pass, so turning notifications
    on is not answered at once by a push about a questionnaire the patient
    can already see on the screen in front of them.
    """
    now = now or utcnow()
    plan_checkins(user, now)
    for session in _recent_sessions(user, now):
        plan_session(session, user, now)


def users_to_plan() -> list[User]:
    """Patients with at least one device: the only ones reminders can reach.

    A device arriving later plans its user at once (subscriptions.subscribe).
    """
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == "patient", User.id.in_(select(PushSubscription.user_id)))
            .order_by(User.id)
        )
    )


def plan_periodic(user: User, now: datetime | None = None) -> None:
    """The worker's periodic work for one user: extend check-ins, re-plan
    recent dosing sessions from the care feature's table, ask about measures."""
    now = now or utcnow()
    plan_user(user, now)
    plan_measures(user, now)
