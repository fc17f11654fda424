"""Several workers, one outbox: every due notification is sent, and only once."""

import threading
import uuid

import pytest
from sqlalchemy import func, insert, select

from server.db import utcnow
from server.extensions import db
from server.push import dispatch
from server.push.delivery import PushSender
from server.push.egress import LOOPBACK
from server.push.models import Notification, PushSubscription
from server.push.outbox import Planned, queue
from tests import factories

MESSAGES = 1000


@pytest.mark.committed
def test_two_workers_send_a_thousand_due_notifications_exactly_once(app, push_service):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several workers need PostgreSQL (FOR UPDATE SKIP LOCKED); SQLite runs one")
    patient = factories.user(factories.clinic(), "patient")
    now = utcnow()
    devices = [push_service.new_device() for _ in range(MESSAGES)]
    subscriptions = [
        {
            "id": uuid.uuid4(),
            "user_id": patient.id,
            "endpoint": device.endpoint,
            "p256dh": device.p256dh,
            "auth": device.auth,
            "created_at": now,
            "refreshed_at": now,
        }
        for device in devices
    ]
    db.session.execute(insert(PushSubscription), subscriptions)
    queue(patient.id, [Planned("test", "test:fan-out", now)], [s["id"] for s in subscriptions])
    db.session.commit()

    start = threading.Barrier(2)
    sent, errors = {}, []

    def run_worker(name):
        # Each worker has its own app context, so its own database session.
        try:
            with (
                app.app_context(),
                PushSender(
                    app.config["VAPID_PRIVATE_KEY"],
                    app.config["VAPID_SUBJECT"],
                    policy=LOOPBACK,
                    concurrency=8,
                ) as sender,
            ):
                start.wait(timeout=30)
                sent[name] = 0
                for _ in range(MESSAGES):  # bounded: each pass takes at least one row
                    report = dispatch.deliver_due(sender, limit=25)
                    if not report.claimed:
                        break
                    sent[name] += report.sent
                db.session.remove()
        except Exception as error:
            errors.append(repr(error))

    threads = [threading.Thread(target=run_worker, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    received = [delivery.token for delivery in push_service.deliveries]
    assert len(received) == MESSAGES  # none missed ...
    assert set(received) == {device.token for device in devices}  # ... and none twice
    assert all(d.payload["tag"] == "test" for d in push_service.deliveries)
    assert sent["a"] + sent["b"] == MESSAGES and sent["a"] > 0 and sent["b"] > 0
    db.session.remove()
    states = dict(
        db.session.execute(
            select(Notification.state, func.count()).group_by(Notification.state)
        ).all()
    )
    assert states == {"sent": MESSAGES}
    assert db.session.scalar(select(func.max(Notification.attempts))) == 1
