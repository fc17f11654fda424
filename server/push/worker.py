"""The push worker: delivers due notifications and runs the periodic tasks.

The periodic tasks are push's own (`PERIODIC_TASKS`: extending reminders)
and those other features add when the app is assembled (`add_periodic_task`
from their `init_app`: the scans that raise flags, say): each task takes
`now`, flushes its work, and the loop commits after it, or rolls back and
logs the error's type when it fails, so one failing task stops neither the
others nor delivery. A task must be safe to run on two workers at once
(idempotent, or guarded as `plan_pass` is).
"""

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import func, select, text

from server.db import utcnow
from server.extensions import db
from server.push import scheduling
from server.push.delivery import PushSender
from server.push.dispatch import BATCH_SIZE, deliver_due
from server.push.egress import EgressPolicy
from server.push.models import Notification

log = logging.getLogger("server.push.worker")

#: How often check-in reminders are extended and measures asked about.
PLAN_EVERY = timedelta(minutes=30)
#: The longest nap between polls: a reminder queued by a request (a test
#: push, an urgent flag) waits at most this long.
MAX_IDLE_SECONDS = 10.0
#: After an unexpected error (database down), wait before trying again.
ERROR_PAUSE_SECONDS = 15.0
#: Arbitrary key of the PostgreSQL advisory lock that lets one worker plan at a time.
PLANNING_LOCK = 0x42455457


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


@dataclass(frozen=True)
class PeriodicTask:
    """Work the worker does every `every`: `run(now)` flushes, the loop commits."""

    name: str
    every: timedelta
    run: Callable[[datetime], object]


#: Push's own periodic tasks; other features add theirs with `add_periodic_task`.
PERIODIC_TASKS: tuple[PeriodicTask, ...] = (
    PeriodicTask("plan reminders", PLAN_EVERY, lambda now: plan_pass(now)),
)
_ADDED = "between.push.periodic_tasks"


def add_periodic_task(app: Flask, task: PeriodicTask) -> None:
    """Run `task` in this app's worker loop too (a feature's `init_app` calls this)."""
    app.extensions.setdefault(_ADDED, {})[task.name] = task


def periodic_tasks(app: Flask) -> tuple[PeriodicTask, ...]:
    """Every periodic task of this app: push's own, then those features added."""
    return (*PERIODIC_TASKS, *app.extensions.get(_ADDED, {}).values())


class Periodic:
    """When each periodic task last ran; runs those that are due."""

    def __init__(self, tasks: tuple[PeriodicTask, ...] = PERIODIC_TASKS):
        self.tasks = tasks
        self._next: dict[str, datetime] = {}

    def run_due(self, now: datetime, *, raise_errors: bool = False) -> None:
        for task in self.tasks:
            if now < self._next.get(task.name, now):
                continue
            try:
                task.run(now)
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                if raise_errors:
                    raise
                log.error("push worker: task %s failed (%s)", task.name, type(error).__name__)
                # Try again soon (the database may be back), not a whole period later.
                self._next[task.name] = now + timedelta(seconds=ERROR_PAUSE_SECONDS)
            else:
                self._next[task.name] = now + task.every


def run(
    app: Flask,
    *,
    once: bool = False,
    stop: threading.Event | None = None,
    sender: PushSender | None = None,
    tasks: tuple[PeriodicTask, ...] | None = None,
) -> int:
    """The worker loop; returns how many notifications were sent.

    SIGTERM and SIGINT (when run in the main thread) finish the batch in
    flight and stop. `once` runs the periodic tasks, sends what is due now
    and returns.
    """
    stop = stop or threading.Event()
    restore = _handle_signals(stop)
    sender = sender or PushSender(
        app.config["VAPID_PRIVATE_KEY"],
        app.config["VAPID_SUBJECT"],
        policy=EgressPolicy.from_config(app.config),
    )
    periodic = Periodic(periodic_tasks(app) if tasks is None else tasks)
    sent = 0
    log.info("push worker started")
    try:
        with app.app_context(), sender:
            while not stop.is_set():
                now = utcnow()
                periodic.run_due(now, raise_errors=once)
                try:
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
