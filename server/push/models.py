"""Push subscriptions (one per device), the notification outbox, and a
clinic's own prompt times.

Dosing sessions are read from the care feature's table where they are kept;
push keeps no copy of them.

Nothing here holds health data: an outbox row says which kind of generic
reminder is due for whom and when, never what the patient wrote.
"""

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import CreatedMixin, IdMixin, utcnow
from server.extensions import db

KINDS = (
    "checkin_reminder",
    "prompt_reminder",
    "measure_due",
    "urgent_flag",
    "test",
    "next_day_check",
)
STATES = ("pending", "sending", "sent", "failed", "cancelled")


class PushSubscription(IdMixin, CreatedMixin, db.Model):
    """A browser's PushSubscription: one row per device, found by its endpoint.

    The endpoint is a capability (whoever holds it can push to the device),
    so it is never logged or returned to anyone but its owner.
    """

    __tablename__ = "push_subscriptions"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(String(100))
    auth: Mapped[str] = mapped_column(String(32))
    expiration_time: Mapped[datetime | None]
    # The PWA re-posts its subscription every time it opens; this says when
    # a device was last seen, so dead ones can be told apart.
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(IdMixin, CreatedMixin, db.Model):
    """An outbox row: one generic notification to one device, and how it went.

    `next_attempt_at` is when a worker may take the row: the due time at
    first, a backoff time after a retryable failure, and while the row is
    `sending`, the end of the claiming worker's lease (a worker that dies
    mid-send leaves the row to be taken again: delivery is at least once).
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(f"state IN {STATES!r}", name="state"),
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        # The claim query: state IN (pending, sending) AND next_attempt_at <= now.
        Index("ix_notifications_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_notifications_cause", "cause_type", "cause_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Kept (as NULL) after the device is gone, so the history stays readable.
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    #: What the notification belongs to, e.g. ("ketamine_session", its id).
    cause_type: Mapped[str | None] = mapped_column(String(32))
    cause_id: Mapped[uuid.UUID | None]
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    #: The push service's last HTTP status, if it answered.
    last_status: Mapped[int | None] = mapped_column(Integer)
    #: Why the row failed or was cancelled, in our words; never a URL or content.
    last_error: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None]
    #: RFC 8030 Topic: the same logical reminder always has the same topic,
    #: so a duplicate delivery replaces the first on the device.
    topic: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(String(8), default="normal")
    ttl: Mapped[int] = mapped_column(Integer)
    #: The logical reminder and the device; re-planning the same thing twice
    #: finds this row instead of adding another.
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)


class ClinicPushSchedule(db.Model):
    """A clinic's own prompt times around dosing sessions (else the defaults).

    `session_prompts` is a list of {"name", "days", "at"}: the day relative
    to the session's local date and the local time, e.g.
    {"name": "evening_before", "days": -1, "at": "19:00"}.
    """

    __tablename__ = "push_clinic_schedules"

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True
    )
    session_prompts: Mapped[list] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
