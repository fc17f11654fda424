"""The notification outbox: what is queued for which device, planned idempotently.

Functions flush and never commit; the request, the CLI command or the worker
commits. Nothing here sends (see `dispatch` and `worker`) and nothing here
decides when reminders are due (see `scheduling`).
"""

import base64
import functools
import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.db import utcnow
from server.extensions import db
from server.push.delivery import encode_payload
from server.push.models import Notification, PushSubscription

#: What each kind shows, its lifetime at the push service and its urgency.
#: Generic on purpose: a lock screen is not private, so no text here says
#: what the app is for or anything the patient wrote.
KIND_SETTINGS = {
    "checkin_reminder": {
        "body": "Time for your check-in",
        "url": "/#/today",
        "ttl": 4 * 3600,  # an evening reminder is stale by bedtime
        "urgency": "normal",
    },
    "prompt_reminder": {
        "body": "A reflection prompt is waiting",
        "url": "/#/today",
        "ttl": 12 * 3600,
        "urgency": "normal",
    },
    "measure_due": {
        "body": "A short questionnaire is ready",
        "url": "/#/measures",
        "ttl": 24 * 3600,
        "urgency": "low",
    },
    "urgent_flag": {
        "body": "Something needs your attention",
        "url": "/therapist/index.html#/flags",  # the therapist workspace's flags
        "ttl": 24 * 3600,
        "urgency": "high",
    },
    "next_day_check": {
        "body": "A short check after your session",
        "url": "/#/today",
        "ttl": 12 * 3600,
        "urgency": "normal",
    },
    "test": {
        "body": "Notifications are working",
        "url": "/#/settings",
        "ttl": 3600,
        "urgency": "normal",
    },
}
TITLE = "Between"

#: `last_error` of rows cancelled because what they remind of is done; the
#: planner never brings those back.
DONE = "already done"
SUPERSEDED = "superseded"


@functools.cache
def payload_for(kind: str) -> bytes:
    """The JSON the service worker shows for a kind (see pwa/js/push.js)."""
    settings = KIND_SETTINGS[kind]
    return encode_payload(
        {"title": TITLE, "body": settings["body"], "url": settings["url"], "tag": kind}
    )


def as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Planned:
    """A notification the scheduler wants, before it is multiplied by devices."""

    kind: str
    #: Names the logical reminder, e.g. "checkin:<user>:2026-03-08".
    key: str
    due_at: datetime
    cause_type: str | None = None
    cause_id: uuid.UUID | None = None


def topic_for(key: str) -> str:
    """An opaque RFC 8030 Topic (at most 32 URL-safe characters) for a reminder."""
    digest = hashlib.sha256(key.encode()).digest()[:24]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def device_ids(user_id: uuid.UUID) -> list[uuid.UUID]:
    """The ids of a user's devices (push subscriptions)."""
    return list(
        db.session.scalars(select(PushSubscription.id).where(PushSubscription.user_id == user_id))
    )


def _row_values(user_id: uuid.UUID, planned: Planned, subscription_id: uuid.UUID) -> dict:
    settings = KIND_SETTINGS[planned.kind]
    return {
        "id": uuid.uuid4(),
        "user_id": user_id,
        "subscription_id": subscription_id,
        "kind": planned.kind,
        "cause_type": planned.cause_type,
        "cause_id": planned.cause_id,
        "due_at": planned.due_at,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": planned.due_at,
        "topic": topic_for(planned.key),
        "urgency": settings["urgency"],
        "ttl": settings["ttl"],
        "dedupe_key": f"{planned.key}@{subscription_id}",
        "created_at": utcnow(),
    }


def insert_new(rows: list[dict]) -> None:
    """Insert outbox rows, skipping any whose dedupe key is already there.

    Two workers (or a worker and a request) may plan the same reminder at
    once; the unique key makes that harmless.
    """
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"])
    db.session.execute(statement, rows)


def queue(user_id: uuid.UUID, planned: list[Planned], subscription_ids: list[uuid.UUID]) -> None:
    """Queue notifications for each device as they are (no quiet hours, no re-planning)."""
    insert_new([_row_values(user_id, p, s) for p in planned for s in subscription_ids])
    db.session.flush()


def reconcile(
    user_id: uuid.UUID,
    desired: list[Planned],
    subscription_ids: list[uuid.UUID],
    *,
    scope,
    now: datetime,
) -> None:
    """Make the outbox match what the scheduler wants now, idempotently.

    `scope` selects the pending rows this plan is responsible for; those it
    no longer wants are cancelled, those it still wants follow the new time,
    and what is missing is added (only if still in the future). Rows already
    sent or failed are history and stay as they are.
    """
    wanted = {f"{p.key}@{s}": (p, s) for p in desired for s in subscription_ids}
    conditions = [Notification.user_id == user_id, Notification.state == "pending", scope]
    existing = {
        row.dedupe_key: row for row in db.session.scalars(select(Notification).where(*conditions))
    }
    if wanted:
        for row in db.session.scalars(
            select(Notification).where(
                Notification.dedupe_key.in_(list(wanted)), Notification.state == "cancelled"
            )
        ):
            existing[row.dedupe_key] = row
    for key, row in existing.items():
        if key not in wanted:
            if row.state == "pending":
                _cancel(row, SUPERSEDED)
            continue
        planned = wanted[key][0]
        if row.state == "cancelled":
            # Brought back (a session un-cancelled, a reminder time set again),
            # unless it was cancelled because it was already done.
            if row.last_error != DONE and planned.due_at > now:
                row.state = "pending"
                row.last_error = None
                row.due_at = row.next_attempt_at = planned.due_at
        elif row.due_at != planned.due_at and row.attempts == 0:
            row.due_at = row.next_attempt_at = planned.due_at
    insert_new(
        [
            _row_values(user_id, planned, subscription_id)
            for key, (planned, subscription_id) in wanted.items()
            if key not in existing and planned.due_at > now
        ]
    )
    db.session.flush()


def _cancel(row: Notification, reason: str) -> None:
    row.state = "cancelled"
    row.last_error = reason
    row.next_attempt_at = None


def cancel_pending(*, reason: str, **where) -> int:
    """Cancel pending rows matching columns (e.g. cause_type=…, cause_id=…)."""
    conditions = [Notification.state == "pending"]
    for name, value in where.items():
        column = getattr(Notification, name)
        conditions.append(column.in_(value) if isinstance(value, list | tuple) else column == value)
    result = db.session.execute(
        update(Notification)
        .where(*conditions)
        .values(state="cancelled", last_error=reason, next_attempt_at=None),
        execution_options={"synchronize_session": "fetch"},
    )
    db.session.flush()
    return result.rowcount


def like_prefix(prefix: str) -> str:
    """A LIKE pattern (escape `\\`) matching strings that start with `prefix`."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def cancel_by_key_prefix(user_id: uuid.UUID, prefix: str, *, reason: str) -> int:
    """Cancel a user's pending rows of one logical reminder (all their devices)."""
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.state == "pending",
            Notification.dedupe_key.like(like_prefix(prefix), escape="\\"),
        )
        .values(state="cancelled", last_error=reason, next_attempt_at=None),
        execution_options={"synchronize_session": "fetch"},
    )
    db.session.flush()
    return result.rowcount


def queue_test(user, now: datetime | None = None) -> int:
    """A test notification due now on each of the user's devices; how many."""
    now = now or utcnow()
    devices = device_ids(user.id)
    planned = Planned("test", f"test:{uuid.uuid4()}", now, "user", user.id)
    queue(user.id, [planned], devices)
    return len(devices)


def forget_user(user_id: uuid.UUID) -> None:
    """Delete everything push holds about a user (their account is going)."""
    db.session.execute(delete(Notification).where(Notification.user_id == user_id))
    db.session.execute(delete(PushSubscription).where(PushSubscription.user_id == user_id))
    db.session.flush()
