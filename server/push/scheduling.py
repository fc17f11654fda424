"""When reminders are due, in the patient's own time zone, and the receivers
that plan them as their causes change.

Reminders are planned into the outbox when their cause changes (a dosing
session created, moved or cancelled; settings changed; a new device) and by
the worker's periodic pass as days go by. Planning is idempotent: it states
what should be pending and `services.reconcile` makes the outbox match.

Times: a wall-clock time is turned into an instant with zoneinfo on the
given day, so a 20:00 reminder stays at 20:00 local across DST changes. A
time inside the spring-forward gap does not exist; PEP 495's fold=0 maps it
with the offset from before the change, which moves it forward by the
length of the gap (02:30 becomes 03:30). In the autumn overlap the first
02:30 is used. Quiet hours (local, may wrap midnight) push a due time to the
end of the quiet window.
"""

import importlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, update

from server import signals
from server.auth.models import User
from server.clinics.models import CareTeamMember
from server.db import utcnow
from server.extensions import db
from server.fields import zone
from server.push import services
from server.push.models import ClinicPushSchedule, Notification, PushSubscription, SessionAnchor
from server.push.services import Planned

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
#: On the dosing day, wait at least this long after the session starts: the
#: acute effects (and the ride home) come first.
EVENING_OF_MIN_GAP = timedelta(hours=3)
#: Local time of a reminder about a questionnaire due that day.
MEASURE_REMINDER_AT = time(10, 0)
#: Check-in reminders are planned this many local days ahead (today included);
#: the worker extends the horizon as days pass.
CHECKIN_DAYS_AHEAD = 3
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


# -- what should be pending --------------------------------------------------------------------


def checkin_plan(user: User, now: datetime, days: int = CHECKIN_DAYS_AHEAD) -> list[Planned]:
    """Daily check-in reminders for the next `days` local days still ahead."""
    if not user.is_patient or user.checkin_time is None:
        return []
    tz = zone(user.time_zone)
    today = now.astimezone(tz).date()
    planned = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        due = _respecting_quiet_hours(user, at_local(day, user.checkin_time, tz))
        if due > now:
            planned.append(
                Planned(
                    "checkin_reminder",
                    f"checkin:{user.id}:{day.isoformat()}",
                    due,
                    CHECKIN_CAUSE,
                    user.id,
                )
            )
    return planned


def session_prompt_slots(clinic_id: uuid.UUID) -> tuple[PromptSlot, ...]:
    stored = db.session.get(ClinicPushSchedule, clinic_id)
    if stored is None:
        return DEFAULT_SESSION_PROMPTS
    return tuple(
        PromptSlot(item["name"], int(item["days"]), time.fromisoformat(item["at"]))
        for item in stored.session_prompts
    )


def session_plan(anchor: SessionAnchor, user: User) -> list[Planned]:
    """The prompts around one dosing session, past ones included (see reconcile)."""
    if anchor.status == "cancelled":
        return []
    tz = zone(user.time_zone)
    starts = services.as_utc(anchor.scheduled_at)
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
                f"prompt:{anchor.session_id}:{slot.name}:{day.isoformat()}",
                due,
                SESSION_CAUSE,
                anchor.session_id,
            )
        )
    return planned


def _devices(user_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        db.session.scalars(select(PushSubscription.id).where(PushSubscription.user_id == user_id))
    )


def plan_checkins(user: User, now: datetime | None = None) -> None:
    now = now or utcnow()
    services.reconcile(
        user.id,
        checkin_plan(user, now),
        _devices(user.id),
        scope=(Notification.kind == "checkin_reminder") & (Notification.due_at > now),
        now=now,
    )


def plan_session(anchor: SessionAnchor, user: User, now: datetime | None = None) -> None:
    now = now or utcnow()
    if anchor.status == "cancelled":
        services.cancel_pending(
            cause_type=SESSION_CAUSE, cause_id=anchor.session_id, reason="session cancelled"
        )
        return
    services.reconcile(
        user.id,
        session_plan(anchor, user),
        _devices(user.id),
        scope=(Notification.cause_type == SESSION_CAUSE)
        & (Notification.cause_id == anchor.session_id),
        now=now,
    )


def _recent_anchors(user: User, now: datetime) -> list[SessionAnchor]:
    # Sessions whose last prompt (the clinic's own times) may still be ahead.
    latest = max((s.days for s in session_prompt_slots(user.clinic_id)), default=0)
    horizon = now - timedelta(days=max(latest, 0) + 2)
    return list(
        db.session.scalars(
            select(SessionAnchor).where(
                SessionAnchor.patient_id == user.id,
                SessionAnchor.scheduled_at >= horizon,
                SessionAnchor.status != "cancelled",
            )
        )
    )


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
    services.reconcile(
        user.id,
        planned,
        _devices(user.id),
        scope=Notification.kind == "measure_due",
        now=now - timedelta(seconds=1),
    )


#: Names under which a due item may say since when it is due.
DUE_NAMES = ("due_since", "due_at", "due_on")


def _due_measures(user: User, now: datetime) -> list[tuple[str, str, date | None]] | None:
    """(instrument, reason, due day) from the measures feature's `due_measures`.

    That function belongs to the measures feature (in its services or its
    queries); it may be missing, and its items may be names, dicts or
    objects, so read them defensively.
    None means "unknown", which is not the same as "nothing due".
    """
    due_measures = None
    for module in ("server.measures.services", "server.measures.queries"):
        try:
            due_measures = getattr(importlib.import_module(module), "due_measures", None)
        except ImportError:
            continue
        if due_measures is not None:
            break
    if due_measures is None:
        return None
    try:
        with db.session.begin_nested():
            items = list(due_measures(user, now) or [])
    except Exception as error:  # another feature's failure must not stop reminders
        log.warning(
            "push: due_measures failed (%s); measure reminders skipped", type(error).__name__
        )
        return None
    result = []
    for item in items:
        if isinstance(item, str):
            item = {"instrument": item}
        elif not isinstance(item, dict):
            item = {k: getattr(item, k, None) for k in ("instrument", "reason", *DUE_NAMES)}
        instrument, reason = item.get("instrument"), item.get("reason")
        due = next((item[k] for k in DUE_NAMES if item.get(k) is not None), None)
        if not isinstance(instrument, str) or not instrument:
            continue
        if isinstance(due, datetime):
            due = services.as_utc(due).astimezone(zone(user.time_zone)).date()
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
    for anchor in _recent_anchors(user, now):
        plan_session(anchor, user, now)


def users_to_plan() -> list[User]:
    """Patients with at least one device: the only ones reminders can reach.

    A device arriving later plans its user at once (services.subscribe).
    """
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == "patient", User.id.in_(select(PushSubscription.user_id)))
            .order_by(User.id)
        )
    )


def plan_periodic(user: User, now: datetime | None = None) -> None:
    """The worker's periodic work for one user: extend check-ins, ask about measures."""
    now = now or utcnow()
    plan_checkins(user, now)
    plan_measures(user, now)


def plan_all(now: datetime | None = None) -> int:
    """`plan_periodic` for every user with a device; how many users."""
    users = users_to_plan()
    for user in users:
        plan_periodic(user, now)
    return len(users)


def set_session_prompts(clinic_id: uuid.UUID, slots: Iterable[PromptSlot] | None) -> None:
    """Set (or, with None, reset to the defaults) a clinic's session prompt times."""
    stored = db.session.get(ClinicPushSchedule, clinic_id)
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
        db.session.add(ClinicPushSchedule(clinic_id=clinic_id, session_prompts=items))
    else:
        stored.session_prompts = items
    db.session.flush()


# -- signal receivers --------------------------------------------------------------------------
#
# They run inside the sender's request. Planning is secondary to what the
# request is for (a therapist scheduling a session must not fail because a
# reminder could not be planned), so each runs in a savepoint and a failure
# is logged (its type only) and contained.


def _contained(receiver):
    def run(sender, **kwargs):
        try:
            with db.session.begin_nested():
                receiver(sender, **kwargs)
        except Exception as error:
            log.error("push: %s failed (%s)", receiver.__name__, type(error).__name__)

    run.__name__ = receiver.__name__
    run.__wrapped__ = receiver
    return run


@_contained
def on_settings_changed(user, **_):
    now = utcnow()
    plan_user(user, now)


@_contained
def on_dosing_session_changed(session, **_):
    anchor = db.session.get(SessionAnchor, session.id)
    if anchor is None:
        anchor = SessionAnchor(session_id=session.id, patient_id=session.patient_id)
        db.session.add(anchor)
    anchor.patient_id = session.patient_id
    anchor.scheduled_at = services.as_utc(session.scheduled_at)
    anchor.status = session.status or "scheduled"
    db.session.flush()
    patient = db.session.get(User, session.patient_id)
    if patient is not None:
        plan_session(anchor, patient)


@_contained
def on_flag_raised(flag, **_):
    if getattr(flag, "severity", None) != "urgent":
        return
    therapists = db.session.scalars(
        select(CareTeamMember.therapist_id).where(CareTeamMember.patient_id == flag.patient_id)
    ).all()
    now = utcnow()
    for therapist_id in therapists:
        # No quiet hours: an urgent flag is not a reminder, and the
        # therapist's own device settings (focus, do not disturb) still apply.
        services.queue(
            therapist_id,
            [Planned("urgent_flag", f"flag:{flag.id}:{therapist_id}", now, "flag", flag.id)],
            _devices(therapist_id),
        )


def on_item_created(item, **_):
    """A check-in or a measure answered: its pending reminder is moot."""
    kind = type(item).__name__
    if kind == "CheckIn":
        _cancel_checkin_reminder(item)
    elif kind == "MeasureResponse":
        _cancel_measure_reminder(item)


def _cancel_checkin_reminder(item) -> None:
    """Cancel today's check-in reminder (the patient's day): one UPDATE, no savepoint.

    Every check-in runs this, so it costs one statement, not three: working
    out the key cannot fail the check-in (contained like the other
    receivers), and the UPDATE of a few indexed rows in the request's own
    transaction fails only when the transaction itself does (a lost
    connection), which a savepoint could not save either.
    """
    try:
        patient_id = item.patient_id
        patient = db.session.get(User, patient_id)  # the caller: already loaded
        if patient is None:
            return
        recorded = getattr(item, "recorded_at", None) or utcnow()
        day = services.as_utc(recorded).astimezone(zone(patient.time_zone)).date()
        prefix = f"checkin:{patient_id}:{day.isoformat()}@"
    except Exception as error:
        log.error("push: on_item_created failed (%s)", type(error).__name__)
        return
    # What services.cancel_by_key_prefix does, as one statement built once:
    # its ORM-enabled UPDATE, built and synchronised afresh each time, cost
    # more CPU than storing the check-in. A cancelled row this session holds
    # is expired, so it is read again as it now is.
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    cancelled = db.session.execute(
        _cancel_checkin_reminders(),
        {"for_user": patient_id, "pattern": escaped + "%", "reason": services.DONE},
    )
    for (notification_id,) in cancelled:
        held = db.session.identity_map.get(db.session.identity_key(Notification, notification_id))
        if held is not None:
            db.session.expire(held)


@cache
def _cancel_checkin_reminders():
    table = Notification.__table__
    return (
        update(table)
        .where(
            table.c.user_id == bindparam("for_user"),
            table.c.state == "pending",
            table.c.dedupe_key.like(bindparam("pattern"), escape="\\"),
        )
        .values(state="cancelled", last_error=bindparam("reason"), next_attempt_at=None)
        .returning(table.c.id)
    )


@_contained
def _cancel_measure_reminder(item, **_):
    patient_id = getattr(item, "patient_id", None)
    if patient_id is None or db.session.get(User, patient_id) is None:
        return
    instrument = getattr(item, "instrument", None)
    if isinstance(instrument, str):
        services.cancel_by_key_prefix(
            patient_id, f"measure:{patient_id}:{instrument}:", reason=services.DONE
        )


@_contained
def on_account_deleting(user, **_):
    services.forget_user(user.id)


def connect() -> None:
    """Connect the receivers (idempotent; blinker keeps one connection each)."""
    signals.settings_changed.connect(on_settings_changed)
    signals.dosing_session_changed.connect(on_dosing_session_changed)
    signals.flag_raised.connect(on_flag_raised)
    signals.item_created.connect(on_item_created)
    signals.account_deleting.connect(on_account_deleting)


connect()
