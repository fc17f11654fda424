"""Taking due outbox rows, sending them, recording each outcome.

Several workers may run at once. A worker claims a batch in one statement
that marks the rows `sending` with a lease (`next_attempt_at` = lease end);
on PostgreSQL the candidate rows are read `FOR UPDATE SKIP LOCKED`, so two
workers never claim the same row. SQLite runs one worker (its single writer
makes the claim atomic, but it is not built for a fleet). No database
transaction stays open while messages are in flight.

Each outcome is recorded (and committed) as it comes back, not after the
whole batch, and the lease is short and renewed while the batch is in
flight: a worker that dies mid-batch leaves only the messages it had in
flight to be sent again: the sender keeps at most its `concurrency`
messages sent and not yet recorded, and stops sending when recording
fails (delivery is at least once; the Topic each message keeps lets a
push service replace a duplicate on the device). Its other rows are taken
by another worker within `LEASE`.
"""

import contextlib
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from server.db import utcnow
from server.extensions import db
from server.push.delivery import Message, Outcome, PushSender
from server.push.models import Notification, PushSubscription
from server.push.outbox import payload_for
from server.push.subscriptions import remove_subscriptions

BATCH_SIZE = 100
#: A claimed row is taken again if its worker has not renewed the lease by then.
LEASE = timedelta(seconds=45)
#: While messages are in flight, the lease is renewed this often.
RENEW_EVERY_SECONDS = 10.0
MAX_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 60 * 60


@dataclass
class Report:
    """What one pass of `deliver_due` did, as counts only."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    gone: int = 0
    expired: int = 0
    cancelled: int = 0
    #: Outcomes not recorded: another worker took the row after our lease ran out.
    lost: int = 0

    def __bool__(self):
        return self.claimed > 0

    def summary(self) -> str:
        return (
            f"sent {self.sent}, retrying {self.retrying}, failed {self.failed}, "
            f"gone {self.gone}, expired {self.expired}"
        )


def claim_due(now: datetime, limit: int = BATCH_SIZE) -> list:
    """Mark up to `limit` due rows `sending` under a lease; their ids. Commits."""
    candidates = (
        select(Notification.id)
        .where(
            Notification.state.in_(("pending", "sending")),
            Notification.next_attempt_at <= now,
        )
        .order_by(Notification.next_attempt_at)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = (
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(candidates))
            .values(
                state="sending",
                attempts=Notification.attempts + 1,
                next_attempt_at=now + LEASE,
            )
            .returning(Notification.id),
            execution_options={"synchronize_session": False},
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return ids


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """Exponential with jitter, never sooner than the push service asked."""
    exponential = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    # Jitter spreads the retries of a batch that failed together.
    seconds = exponential * random.uniform(0.8, 1.2)  # noqa: S311 - not security
    if retry_after is not None:
        seconds = max(seconds, retry_after)
    return timedelta(seconds=seconds)


def deliver_due(sender: PushSender, *, now: datetime | None = None, limit: int = BATCH_SIZE):
    """Claim one batch of due rows, send them, record the outcomes. Commits."""
    now = now or utcnow()
    report = Report()
    ids = claim_due(now, limit)
    report.claimed = len(ids)
    if not ids:
        return report
    rows = db.session.execute(
        select(Notification, PushSubscription)
        .outerjoin(PushSubscription, PushSubscription.id == Notification.subscription_id)
        .where(Notification.id.in_(ids))
        .execution_options(populate_existing=True)
    ).all()
    messages, by_id = [], {}
    for row, subscription in rows:
        by_id[row.id] = row
        if subscription is None:
            _finish(row, "cancelled", error="subscription removed")
            report.cancelled += 1
        elif _expires_at(row) <= now:
            # A reminder delivered hours late is worse than none.
            _finish(row, "failed", error="expired before delivery")
            report.expired += 1
        else:
            messages.append(
                Message(
                    key=row.id,
                    endpoint=subscription.endpoint,
                    p256dh=subscription.p256dh,
                    auth=subscription.auth,
                    payload=payload_for(row.kind),
                    # What is left of its lifetime, so a retry is not kept
                    # by the push service past the moment it matters.
                    ttl=int((_expires_at(row) - now).total_seconds()),
                    urgency=row.urgency,
                    topic=row.topic,
                )
            )
    # End the transaction before the network: no lock or snapshot is held
    # while messages are in flight (SQLite takes its write lock at BEGIN).
    db.session.commit()
    if messages:
        _send_and_record(sender, messages, by_id, now, report)
    return report


def _send_and_record(sender, messages: list[Message], by_id: dict, now, report: Report):
    """Send, recording outcomes as they arrive and renewing the lease meanwhile."""
    started = time.monotonic()

    def clock() -> datetime:
        # `now` may be given (tests, a clock ahead of ours); time runs on from it.
        return now + timedelta(seconds=time.monotonic() - started)

    lease_end = now + LEASE
    in_flight = {m.key for m in messages}
    renewed_at = started
    # Closed on any error (the database gone mid-batch): the sender stops
    # sending, so only the window of sent-but-unrecorded messages goes again.
    with contextlib.closing(sender.send_as_completed(messages, wait=RENEW_EVERY_SECONDS)) as sent:
        for arrived in sent:
            if arrived:
                in_flight.difference_update(outcome.key for _, outcome in arrived)
                _record_arrived(arrived, by_id, lease_end, max(clock(), utcnow()), report)
            if in_flight and time.monotonic() - renewed_at >= RENEW_EVERY_SECONDS:
                renewed_at = time.monotonic()
                lease_end, in_flight = _renew(in_flight, lease_end, clock() + LEASE)


def _record_arrived(arrived, by_id: dict, lease_end: datetime, now: datetime, report: Report):
    """Record the outcomes that came back, of the rows still ours. Commits."""
    ours = _still_ours([outcome.key for _, outcome in arrived], lease_end=lease_end)
    gone_subscriptions = set()
    for _, outcome in arrived:
        if outcome.key not in ours:
            report.lost += 1
            continue
        _record(by_id[outcome.key], outcome, now, report, gone_subscriptions)
    db.session.flush()
    remove_subscriptions(gone_subscriptions, reason="subscription gone")
    db.session.commit()


def _renew(ids: set, lease_end: datetime, new_end: datetime) -> tuple[datetime, set]:
    """Extend the lease of the rows still ours; (the new lease end, those rows). Commits."""
    kept = set(
        db.session.execute(
            update(Notification)
            .where(
                Notification.id.in_(list(ids)),
                Notification.state == "sending",
                Notification.next_attempt_at == lease_end,
            )
            .values(next_attempt_at=new_end)
            .returning(Notification.id),
            execution_options={"synchronize_session": False},
        ).scalars()
    )
    db.session.commit()
    return new_end, kept


def _still_ours(ids: list, *, lease_end: datetime) -> set:
    """The rows this worker still holds: not re-claimed after its lease ran out.

    A worker slower than its lease (a stalled network, a paused VM) must not
    overwrite what the worker that took the row over has recorded. The rows
    stay locked until the outcomes are committed (FOR UPDATE on PostgreSQL;
    SQLite's write lock is held from BEGIN).
    """
    if not ids:
        return set()
    query = (
        select(Notification.id, Notification.state, Notification.next_attempt_at)
        .where(Notification.id.in_(ids))
        .order_by(Notification.id)  # every worker locks in one order: no deadlock
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return {
        row_id
        for row_id, state, next_attempt_at in db.session.execute(query)
        if state == "sending" and next_attempt_at == lease_end
    }


def _expires_at(row: Notification) -> datetime:
    return row.due_at + timedelta(seconds=row.ttl)


def _finish(row: Notification, state: str, *, error: str | None = None, status=None) -> None:
    row.state = state
    row.last_error = error
    row.last_status = status
    row.next_attempt_at = None


def _record(row, outcome: Outcome, now: datetime, report: Report, gone: set) -> None:
    if outcome.accepted:
        _finish(row, "sent", status=outcome.status)
        row.sent_at = now
        report.sent += 1
    elif outcome.gone or outcome.refused:
        # RFC 8030: the subscription has expired or was revoked; or it points
        # somewhere the worker must not connect (not contacted). Never again.
        _finish(row, "failed", error=outcome.error, status=outcome.status)
        gone.add(row.subscription_id)
        report.gone += 1
    elif outcome.retryable and row.attempts < MAX_ATTEMPTS:
        retry_at = now + backoff(row.attempts, outcome.retry_after)
        if retry_at >= _expires_at(row):
            _finish(row, "failed", error="expired before delivery", status=outcome.status)
            report.expired += 1
            return
        row.state = "pending"
        row.last_status = outcome.status
        row.last_error = outcome.error
        row.next_attempt_at = retry_at
        report.retrying += 1
    else:
        # 413 and other 4xx are our mistake (or a service refusing us): retrying
        # the same request would not help.
        _finish(row, "failed", error=outcome.error, status=outcome.status)
        report.failed += 1
