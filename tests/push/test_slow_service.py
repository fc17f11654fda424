"""One push service that hangs does not hold up the others.

Real push services: the loopback one (which decrypts) for healthy devices,
and a listener that reads each request and never answers for the hung one.
"""

import contextlib
import socket
import threading

import pytest
from sqlalchemy import select

from server.extensions import db
from server.measures.models import MeasurePlan
from server.push import dispatch
from server.push.delivery import Message, PushSender, encode_payload
from server.push.egress import LOOPBACK
from server.push.models import Notification
from server.push.outbox import queue_test
from tests import factories
from tests.push.hostile import HostileEndpoints

PAYLOAD = {"title": "Between", "body": "hi", "url": "/", "tag": "t"}


def _sender(app, **options) -> PushSender:
    return PushSender(
        app.config["VAPID_PRIVATE_KEY"], app.config["VAPID_SUBJECT"], policy=LOOPBACK, **options
    )


def _patient():
    patient = factories.user(factories.clinic())
    db.session.add(MeasurePlan(patient_id=patient.id, phq9=False, gad7=False, pcl5=False))
    db.session.commit()
    return patient


def _states(patient) -> list[str]:
    with db.engine.connect() as connection:  # what other processes see: committed rows
        return list(
            connection.scalars(
                select(Notification.state).where(
                    Notification.user_id == patient.id, Notification.kind == "test"
                )
            )
        )


@contextlib.contextmanager
def _delivering(app, sender, hung):
    """One `deliver_due` running in a thread; the hung service let go after."""

    def deliver():
        with app.app_context():
            dispatch.deliver_due(sender)

    batch = threading.Thread(target=deliver)
    batch.start()
    try:
        yield
    finally:
        hung.release()
        batch.join(timeout=90)


@pytest.mark.committed
def test_healthy_devices_are_delivered_and_recorded_while_another_service_hangs(app, push_service):
    hanging_patient, healthy_patient = _patient(), _patient()
    healthy = [push_service.new_device() for _ in range(12)]
    with HostileEndpoints() as hung:
        for index in range(3):
            factories.push_subscription(
                hanging_patient, healthy[0], endpoint=hung.url("hang", str(index))
            )
        for device in healthy:
            factories.push_subscription(healthy_patient, device)
        queue_test(hanging_patient)
        queue_test(healthy_patient)
        db.session.commit()

        # A long request timeout: nothing below can be explained by a timeout firing.
        with _sender(app, concurrency=4, timeout=60) as sender, _delivering(app, sender, hung):
            recorded = threading.Event()
            for _ in range(600):  # a generous cap, not a timing assertion
                if _states(healthy_patient).count("sent") == len(healthy):
                    recorded.set()
                    break
                recorded.wait(0.1)
            # Every healthy device got its message, and its row says so,
            # while the hung service still holds its requests unanswered.
            assert recorded.is_set(), _states(healthy_patient)
            assert all(len(push_service.received_by(d)) == 1 for d in healthy)
            assert hung.hits["hang"] >= 1
            assert set(_states(hanging_patient)) == {"sending"}


@pytest.mark.committed
def test_a_service_that_timed_out_is_left_alone_and_its_messages_back_off(app, push_service):
    hanging_patient, healthy_patient = _patient(), _patient()
    device = push_service.new_device()
    with HostileEndpoints() as hung:
        for index in range(6):
            factories.push_subscription(
                hanging_patient, device, endpoint=hung.url("hang", str(index))
            )
        factories.push_subscription(healthy_patient, device)
        queue_test(hanging_patient)
        queue_test(healthy_patient)
        db.session.commit()
        with _sender(app, concurrency=4, per_origin=2, timeout=1) as sender:
            report = dispatch.deliver_due(sender)
    # Two requests in flight to the hung service timed out; the other four
    # were not sent there at all, and every one of the six backs off on its own.
    assert hung.hits["hang"] == 2
    assert report.sent == 1 and report.retrying == 6
    db.session.expire_all()
    rows = db.session.scalars(
        select(Notification).where(
            Notification.user_id == hanging_patient.id, Notification.kind == "test"
        )
    ).all()
    assert {(r.state, r.last_error) for r in rows} == {
        ("pending", "timed out"),
        ("pending", "push service not answering"),
    }
    assert len({r.next_attempt_at for r in rows}) == 6  # jittered, each its own
    assert len(push_service.received_by(device)) == 1


def _lease_end(patient):
    with db.engine.connect() as connection:
        return connection.execute(
            select(Notification.state, Notification.next_attempt_at).where(
                Notification.user_id == patient.id, Notification.kind == "test"
            )
        ).one()


@pytest.mark.committed
def test_the_lease_is_renewed_while_a_message_is_in_flight(app, push_service, monkeypatch):
    """So a live worker keeps its rows past the lease, and a dead one's move on after it."""
    monkeypatch.setattr(dispatch, "RENEW_EVERY_SECONDS", 0.2)
    patient = _patient()
    with HostileEndpoints() as hung:
        factories.push_subscription(
            patient, push_service.new_device(), endpoint=hung.url("hang", "0")
        )
        queue_test(patient)
        db.session.commit()
        with _sender(app, timeout=60) as sender, _delivering(app, sender, hung):
            leases, waited = [], threading.Event()
            for _ in range(600):  # a generous cap, not a timing assertion
                state, lease_end = _lease_end(patient)
                if state == "sending" and lease_end not in leases:
                    leases.append(lease_end)
                if len(leases) >= 3:
                    break
                waited.wait(0.1)
            assert len(leases) >= 3, leases  # claimed, then renewed twice
            assert leases == sorted(leases)
            assert hung.hits["hang"] == 1  # one request, still unanswered
    assert _lease_end(patient).state == "sent"
    assert dispatch.LEASE.total_seconds() < 60


def test_a_service_that_never_completes_the_handshake_gives_up_at_the_connect_timeout(
    app, push_service
):
    # A listener whose accept queue is full: the kernel drops further SYNs,
    # so a connection attempt hangs, as to a host that drops packets.
    with socket.socket() as full:
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        port = full.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            blocked, healthy = push_service.new_device(), push_service.new_device()
            endpoint = f"http://127.0.0.1:{port}/push/{blocked.token}"
            messages = [
                Message(n, url, device.p256dh, device.auth, encode_payload(PAYLOAD), 60)
                for n, (url, device) in enumerate(
                    [(endpoint, blocked), (healthy.endpoint, healthy)]
                )
            ]
            outcomes = {}
            # A request timeout far longer than the bound below: only the
            # connect timeout can end the attempt in time.
            with _sender(app, timeout=120, connect_timeout=1) as sender:
                sending = threading.Thread(
                    target=lambda: outcomes.update(enumerate(sender.send(messages))), daemon=True
                )
                sending.start()
                sending.join(60)
    assert outcomes, "the connection attempt was not given up on"
    assert outcomes[0].error == "timed out" and outcomes[0].retryable
    assert outcomes[1].accepted
