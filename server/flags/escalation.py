"""Escalation: an urgent flag left unacknowledged past the clinic's time.

The worker runs `escalate_overdue(now)` in its loop. An escalated flag shows
to the clinic's admins in their workspace (the care team sees it already)
and `signals.flag_escalated` lets push notify the admins and the care team.
"""

from datetime import datetime, timedelta

from sqlalchemy import select, update

from server.auth.models import User
from server.db import utcnow
from server.extensions import db
from server.flags.models import URGENT, Flag, FlagSettings
from server.signals import flag_escalated

DEFAULT_ESCALATE_AFTER_HOURS = 24
#: The shortest and longest time a clinic may set.
ESCALATE_AFTER_HOURS_RANGE = (1, 168)


def settings(clinic_id) -> dict:
    """A clinic's flag settings, the defaults where it has set none."""
    stored = db.session.get(FlagSettings, clinic_id)
    hours = stored.escalate_after_hours if stored else DEFAULT_ESCALATE_AFTER_HOURS
    return {"escalate_after_hours": hours}


def set_settings(clinic_id, *, escalate_after_hours: int, admin: User) -> dict:
    """Replace a clinic's flag settings."""
    stored = db.session.get(FlagSettings, clinic_id)
    if stored is None:
        stored = FlagSettings(clinic_id=clinic_id)
        db.session.add(stored)
    stored.escalate_after_hours = escalate_after_hours
    stored.updated_by_id = admin.id
    stored.updated_at = utcnow()
    db.session.flush()
    return settings(clinic_id)


def escalate_overdue(now: datetime) -> list[Flag]:
    """Escalate every open urgent flag older than its clinic's time; returns them.

    Two statements to find them, one UPDATE each (which only matches a flag
    still open and not yet escalated, so two workers escalate it once).
    """
    shortest = timedelta(hours=ESCALATE_AFTER_HOURS_RANGE[0])
    candidates = db.session.execute(
        select(Flag, FlagSettings.escalate_after_hours)
        .outerjoin(FlagSettings, FlagSettings.clinic_id == Flag.clinic_id)
        .where(
            Flag.severity == URGENT,
            Flag.acknowledged_at.is_(None),
            Flag.escalated_at.is_(None),
            Flag.raised_at <= now - shortest,
        )
    ).all()
    escalated = []
    for flag, hours in candidates:
        if flag.raised_at > now - timedelta(hours=hours or DEFAULT_ESCALATE_AFTER_HOURS):
            continue
        done = db.session.execute(
            update(Flag)
            .where(Flag.id == flag.id, Flag.acknowledged_at.is_(None), Flag.escalated_at.is_(None))
            .values(escalated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if done:
            db.session.refresh(flag)
            escalated.append(flag)
            flag_escalated.send(flag)
    return escalated
