"""A database that goes away in the middle of a push batch costs at most the send window.

The scratch PostgreSQL is paused (SIGSTOP) by the loopback push service
itself, as the first message of a batch reaches it and before it answers:
no outcome of the batch can be recorded. The worker gives up on the
database, stops sending, and once the database is back and the lease has
run out the batch is sent again. The push service counts what each device
received twice.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server import dbfaults
from server.db import utcnow
from server.extensions import db
from server.measures.models import MeasurePlan
from server.push import dispatch
from server.push.delivery import PushSender
from server.push.egress import LOOPBACK
from server.push.models import Notification
from server.push.outbox import queue_test
from tests import factories
from tests.faults.conftest import app_on
from tests.push.pushservice import LoopbackPushService

pytestmark = pytest.mark.committed
WINDOW = 4
DEVICES = 5  # the most one account keeps
ROUNDS = 16  # 80 messages: many more than the window


class PausingPushService(LoopbackPushService):
    """Runs `fault` once, when the first message has arrived; answers nothing before it."""

    def __init__(self, fault, **options):
        super().__init__(**options)
        self._fault = fault
        self.faulted = threading.Event()
        self._first = threading.Lock()

    def _handle(self, path, headers, body):
        answer = super()._handle(path, headers, body)
        if self._first.acquire(blocking=False):
            self._fault()
            self.faulted.set()
        else:
            self.faulted.wait(60)  # no answer gets back before the fault
        return answer


def _unsent(patient) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count()).where(
            Notification.user_id == patient.id,
            Notification.kind == "test",
            Notification.state != "sent",
        )
    )


def test_a_database_paused_mid_batch_resends_at_most_the_window(postgres):
    with (
        app_on(postgres.new_database()) as app,
        PausingPushService(postgres.pause, latency=0.02) as service,
    ):
        patient = factories.user(factories.clinic())
        db.session.add(MeasurePlan(patient_id=patient.id, phq9=False, gad7=False, pcl5=False))
        for _ in range(DEVICES):
            factories.push_subscription(patient, service.new_device())
        for _ in range(ROUNDS):
            queue_test(patient)
        db.session.commit()
        messages = DEVICES * ROUNDS
        sender = PushSender(
            app.config["VAPID_PRIVATE_KEY"],
            app.config["VAPID_SUBJECT"],
            policy=LOOPBACK,
            concurrency=WINDOW,
        )
        with sender:
            try:
                # Nothing can be recorded: the worker's bounded wait on the
                # database ends the batch with an error, as the worker loop sees it.
                with pytest.raises(dbfaults.UNAVAILABLE):
                    dispatch.deliver_due(sender)
            finally:
                postgres.resume()
            assert service.faulted.is_set()
            sent_during_the_fault = len(service.deliveries)
            db.session.remove()

            # The database is back; once the lease has run out the batch goes again.
            later = utcnow() + dispatch.LEASE + timedelta(seconds=1)
            for _ in range(20):  # a bound on passes, not on time
                if _unsent(patient) == 0:
                    break
                dispatch.deliver_due(sender, now=later)
            assert _unsent(patient) == 0

    received = Counter((d.token, d.headers.get("topic")) for d in service.deliveries)
    duplicates = sum(n - 1 for n in received.values())
    print(
        f"\npush, database paused mid-batch: {messages} messages, window {WINDOW}, "
        f"{sent_during_the_fault} sent before the worker gave up, {duplicates} duplicates"
    )
    assert len(received) == messages  # every message arrived
    assert 1 <= sent_during_the_fault <= WINDOW
    assert duplicates <= WINDOW
