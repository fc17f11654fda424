"""The delivery worker: takes due outbox rows, sends them, records each outcome.

Several workers may run at once. A worker claims a batch in one statement
that marks the rows `sending` with a lease (`next_attempt_at` = lease end);
on PostgreSQL the candidate rows are read `FOR UPDATE SKIP LOCKED`, so two
workers never claim the same row. SQLite runs one worker (its single writer
makes the claim atomic, but it is not built for a fleet). No database
transaction stays open while messages are in flight.
"""

import logging
import random
import signal
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import func, select, text, update

from server.db import utcnow
from server.extensions import db
from server.push import scheduling, services
from server.push.delivery import Message, Outcome, PushSender
from server.push.models import Notification, PushSubscription

log = logging.getLogger("server.push.worker")

BATCH_SIZE = 100
#: A claimed row is taken again if its worker has not finished by then.
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 60 * 60
#: How often check-in reminders are extended and measures asked about.
PLAN_EVERY = timedelta(minutes=30)
#: The longest nap between polls: a reminder queued by a request (a test
#: push, an urgent flag) waits at most this long.
MAX_IDLE_SECONDS = 10.0
#: After an unexpected error (database down), wait before trying again.
ERROR_PAUSE_SECONDS = 15.0
#: Arbitrary key of the PostgreSQL advisory lock that lets one worker plan at a time.
PLANNING_LOCK = 0x42455457


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
                    payload=services.payload_for(row.kind),
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
    outcomes = sender.send(messages) if messages else []
    # `now` may be given (tests, a clock ahead of ours); outcomes never date before it.
    done_at = max(now, utcnow())
    ours = _still_ours([o.key for o in outcomes], lease_end=now + LEASE)
    gone_subscriptions = set()
    for outcome in outcomes:
        if outcome.key not in ours:
            report.lost += 1
            continue
        _record(by_id[outcome.key], outcome, done_at, report, gone_subscriptions)
    db.session.flush()
    services.remove_subscriptions(gone_subscriptions, reason="subscription gone")
    db.session.commit()
    return report


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
    elif outcome.gone:
        # RFC 8030: the subscription has expired or was revoked; never again.
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


def plan_pass(now: datetime | None = None) -> int:
    """Extend reminders for every user with a device; how many users. Commits.

    On PostgreSQL a transaction-scoped advisory lock lets one worker plan at
    a time (the others skip the pass). On SQLite each user is committed on
    its own, because SQLite holds its single write lock for a whole
    transaction and web requests are waiting for it.
    """
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if postgresql:
        locked = db.session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": PLANNING_LOCK}
        )
        if not locked:
            db.session.rollback()
            return 0
    users = scheduling.users_to_plan()
    for user in users:
        scheduling.plan_periodic(user, now)
        if not postgresql:
            db.session.commit()
    db.session.commit()
    return len(users)


def seconds_until_next_due(now: datetime) -> float:
    soonest = db.session.scalar(
        select(func.min(Notification.next_attempt_at)).where(
            Notification.state.in_(("pending", "sending"))
        )
    )
    db.session.rollback()  # end the read transaction; do not hold a snapshot while idle
    if soonest is None:
        return MAX_IDLE_SECONDS
    return min(MAX_IDLE_SECONDS, max(0.0, (soonest - now).total_seconds()))


def run(
    app: Flask,
    *,
    once: bool = False,
    stop: threading.Event | None = None,
    sender: PushSender | None = None,
) -> int:
    """The worker loop; returns how many notifications were sent.

    SIGTERM and SIGINT (when run in the main thread) finish the batch in
    flight and stop. `once` sends what is due now and returns.
    """
    stop = stop or threading.Event()
    restore = _handle_signals(stop)
    sender = sender or PushSender(app.config["VAPID_PRIVATE_KEY"], app.config["VAPID_SUBJECT"])
    sent = 0
    next_plan = None
    log.info("push worker started")
    try:
        with app.app_context(), sender:
            while not stop.is_set():
                now = utcnow()
                try:
                    if next_plan is None or now >= next_plan:
                        plan_pass(now)
                        next_plan = now + PLAN_EVERY
                    report = deliver_due(sender, now=now)
                except Exception as error:
                    db.session.rollback()
                    if once:
                        raise
                    log.error("push worker: %s; pausing", type(error).__name__)
                    stop.wait(ERROR_PAUSE_SECONDS)
                    continue
                sent += report.sent
                if report:
                    log.info("push: %s", report.summary())
                if report.claimed >= BATCH_SIZE:
                    continue  # more may be waiting
                if once:
                    break
                stop.wait(seconds_until_next_due(utcnow()))
    finally:
        restore()
        log.info("push worker stopped")
    return sent


def _handle_signals(stop: threading.Event):
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {}

    def handler(signum, _frame):
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, handler)

    def restore():
        for signum, old in previous.items():
            signal.signal(signum, old)

    return restore
