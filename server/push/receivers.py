"""What push does when other features announce a change (server.signals).

The receivers run inside the sender's request. Planning is secondary to what
the request is for (a therapist scheduling a session must not fail because
a reminder could not be planned), so each runs in a savepoint and a failure
is logged (its type only) and contained. Nothing is lost by that: the
worker's periodic pass re-plans from the tables themselves.
"""

import logging
from functools import cache

from sqlalchemy import bindparam, select, update

from server import signals
from server.auth.models import CareTeamMember, User
from server.care.models import DosingSession
from server.db import utcnow
from server.extensions import db
from server.fields import zone
from server.journal.models import CheckIn
from server.measures.models import MeasureResponse
from server.push import outbox, scheduling
from server.push.models import Notification
from server.push.outbox import Planned

log = logging.getLogger(__name__)


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
    scheduling.plan_user(user, utcnow())


@_contained
def on_dosing_session_changed(session: DosingSession, **_):
    patient = db.session.get(User, session.patient_id)
    if patient is not None:
        scheduling.plan_session(session, patient)


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
        outbox.queue(
            therapist_id,
            [Planned("urgent_flag", f"flag:{flag.id}:{therapist_id}", now, "flag", flag.id)],
            outbox.device_ids(therapist_id),
        )


@_contained
def on_flag_escalated(flag, **_):
    """An urgent flag left unacknowledged: the clinic's admins and the whole care team.

    The same words as the first push ("Something needs your attention"),
    keyed apart from it, so a therapist who was pushed at raising is pushed
    once more, and nobody twice for one escalation.
    """
    staff = db.session.scalars(
        select(CareTeamMember.therapist_id).where(CareTeamMember.patient_id == flag.patient_id)
    ).all()
    admins = db.session.scalars(
        select(User.id).where(User.clinic_id == flag.clinic_id, User.role == "admin")
    ).all()
    now = utcnow()
    for user_id in dict.fromkeys([*staff, *admins]):
        outbox.queue(
            user_id,
            [Planned("urgent_flag", f"flag-escalated:{flag.id}:{user_id}", now, "flag", flag.id)],
            outbox.device_ids(user_id),
        )


def on_item_created(item, **_):
    """A check-in or a measure answered: its pending reminder is moot."""
    if isinstance(item, CheckIn):
        _cancel_checkin_reminder(item)
    elif isinstance(item, MeasureResponse):
        _cancel_measure_reminder(item)


def _cancel_checkin_reminder(item: CheckIn) -> None:
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
        day = outbox.as_utc(recorded).astimezone(zone(patient.time_zone)).date()
        prefix = f"checkin:{patient_id}:{day.isoformat()}@"
    except Exception as error:
        log.error("push: on_item_created failed (%s)", type(error).__name__)
        return
    # What outbox.cancel_by_key_prefix does, as one statement built once:
    # its ORM-enabled UPDATE, built and synchronised afresh each time, cost
    # more CPU than storing the check-in. A cancelled row this session holds
    # is expired, so it is read again as it now is.
    cancelled = db.session.execute(
        _cancel_checkin_reminders(),
        {"for_user": patient_id, "pattern": outbox.like_prefix(prefix), "reason": outbox.DONE},
    )
    for (notification_id,) in cancelled:
        key = db.session.identity_key(Notification, notification_id)
        held = db.session.identity_map.get(key)
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
def _cancel_measure_reminder(item: MeasureResponse, **_):
    patient_id = item.patient_id
    if patient_id is None or db.session.get(User, patient_id) is None:
        return
    outbox.cancel_by_key_prefix(
        patient_id, f"measure:{patient_id}:{item.instrument}:", reason=outbox.DONE
    )


@_contained
def on_account_deleting(user, **_):
    outbox.forget_user(user.id)


def connect() -> None:
    """Connect the receivers (idempotent; blinker keeps one connection each)."""
    signals.settings_changed.connect(on_settings_changed)
    signals.dosing_session_changed.connect(on_dosing_session_changed)
    signals.flag_raised.connect(on_flag_raised)
    signals.flag_escalated.connect(on_flag_escalated)
    signals.item_created.connect(on_item_created)
    signals.account_deleting.connect(on_account_deleting)


def init_app(app) -> None:
    """Connect push's receivers for `app` (they are module-level, so once is enough)."""
    connect()
