"""Delivery to a real (loopback) push service: every answer it can give."""

import contextlib
import itertools
import json
import socket
import socketserver
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.db import utcnow
from server.extensions import db
from server.push import dispatch
from server.push.delivery import (
    MAX_PAYLOAD_BYTES,
    Message,
    PushSender,
    encode_payload,
    parse_retry_after,
)
from server.push.egress import LOOPBACK
from server.push.models import Notification, PushSubscription
from server.push.outbox import KIND_SETTINGS, Planned, payload_for, queue, queue_test
from server.push.vapid import VapidSigner, origin_of, private_key_from_b64
from tests import factories
from tests.push.pushservice import POLL_INTERVAL


@pytest.fixture(autouse=True)
def _stopped_clock(clock):
    """Subscribing plans the patient's daily check-in reminders from the time of day:
    on the real clock, a test that moves `now` on could meet one falling due (it did,
    at 19:57 in New York). On the stopped clock the next one is hours away."""


def rows(user, kind=None):
    """The user's outbox rows (subscribing also plans their daily check-ins)."""
    query = select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    query = query.order_by(Notification.created_at).execution_options(populate_existing=True)
    return list(db.session.scalars(query))


def one_row(user, kind="test"):
    [row] = rows(user, kind)
    return row


def test_a_due_notification_arrives_decrypted_with_a_generic_payload(
    patient, subscribe, push_service, sender
):
    device = subscribe(patient)
    factories.checkin(patient, note="I felt the floor tilt and cried for an hour")
    assert queue_test(patient) == 1
    db.session.commit()
    report = dispatch.deliver_due(sender)
    assert report.sent == 1
    [delivery] = push_service.received_by(device)
    assert delivery.payload == {
        "title": "Between",
        "body": "Notifications are working",
        "url": "/#/settings",
        "tag": "test",
    }
    row = one_row(patient)
    assert row.state == "sent" and row.last_status == 201 and row.sent_at is not None
    assert row.attempts == 1
    # What the push service sees: our explicit headers and our origin as audience.
    assert delivery.headers["urgency"] == "normal"
    assert delivery.headers["topic"] == row.topic
    assert 0 < int(delivery.headers["ttl"]) <= KIND_SETTINGS["test"]["ttl"]
    assert delivery.vapid_audience == push_service.origin
    assert "floor" not in json.dumps(delivery.payload)


def test_every_kind_has_a_small_payload_with_no_health_words():
    for kind in KIND_SETTINGS:
        body = payload_for(kind)
        assert len(body) < MAX_PAYLOAD_BYTES
        payload = json.loads(body)
        assert set(payload) == {"title", "body", "url", "tag"} and payload["tag"] == kind
        assert payload["url"].startswith(("/#/", "/therapist/index.html#/"))
        text = json.dumps(payload).lower()
        for word in ("ketamine", "phq", "depress", "suicid", "mood", "dose", "anxiety"):
            assert word not in text
    with pytest.raises(ValueError, match="1 KB"):
        encode_payload({"title": "Between", "body": "x" * 1024})


def test_the_vapid_header_is_signed_once_per_push_service_and_reused(
    app, clinic, subscribe, push_service, sender
):
    patients = [factories.user(clinic, "patient") for _ in range(3)]
    for patient in patients:
        subscribe(patient)
        queue_test(patient)
    db.session.commit()
    assert dispatch.deliver_due(sender).sent == 3
    for patient in patients:
        queue_test(patient)
    db.session.commit()
    assert dispatch.deliver_due(sender).sent == 3
    assert len({d.jwt for d in push_service.deliveries}) == 1
    assert sender.vapid.signatures == 1


def test_the_vapid_header_is_renewed_before_it_expires(app):
    clock = [1_000_000.0]
    signer = VapidSigner(
        private_key_from_b64(app.config["VAPID_PRIVATE_KEY"]),
        "mailto:ops@example.org",
        clock=lambda: clock[0],
    )
    first = signer.header("https://fcm.googleapis.com/fcm/send/abc")
    assert signer.header("https://fcm.googleapis.com/fcm/send/other") == first
    other_service = signer.header("https://web.push.apple.com/xyz")
    assert other_service != first
    clock[0] += 11 * 3600 + 1  # less than an hour left of the 12 h
    assert signer.header("https://fcm.googleapis.com/fcm/send/abc") != first
    assert signer.signatures == 3


def test_the_audience_is_the_origin_with_its_port():
    assert origin_of("https://Push.Example.org/a/b") == "https://push.example.org"
    assert origin_of("https://push.example.org:443/a") == "https://push.example.org"
    assert origin_of("http://127.0.0.1:8123/push/x") == "http://127.0.0.1:8123"


@pytest.mark.parametrize("status", [410, 404])
def test_a_gone_subscription_is_deleted_with_what_was_queued_for_it(
    patient, subscribe, push_service, sender, status
):
    device = subscribe(patient)
    keep = subscribe(patient)
    push_service.answer(device, status)
    queue_test(patient)
    db.session.commit()
    later = Planned("prompt_reminder", "prompt:later", utcnow() + timedelta(days=1))
    queue(patient.id, [later], [s.id for s in db.session.scalars(select(PushSubscription))])
    db.session.commit()
    report = dispatch.deliver_due(sender)
    assert report.gone == 1 and report.sent == 1
    remaining = db.session.scalars(select(PushSubscription.endpoint)).all()
    assert remaining == [keep.endpoint]
    states = [(r.kind, r.state, r.last_status) for r in rows(patient)]
    assert ("test", "failed", status) in states and ("test", "sent", 201) in states
    assert ("prompt_reminder", "cancelled", None) in states  # the gone device's
    assert ("prompt_reminder", "pending", None) in states  # the other device's
    assert len(push_service.received_by(keep)) == 1


def test_429_waits_as_long_as_the_push_service_asks_then_delivers(
    patient, subscribe, push_service, sender
):
    device = subscribe(patient)
    push_service.answer(device, (429, {"Retry-After": "600"}))
    queue_test(patient)
    db.session.commit()
    now = utcnow()
    report = dispatch.deliver_due(sender, now=now)
    assert report.retrying == 1
    row = one_row(patient)
    assert row.state == "pending" and row.last_status == 429
    assert row.next_attempt_at >= now + timedelta(seconds=600)
    assert dispatch.deliver_due(sender, now=now + timedelta(seconds=300)).claimed == 0
    report = dispatch.deliver_due(sender, now=row.next_attempt_at + timedelta(seconds=1))
    assert report.sent == 1
    row = one_row(patient)
    assert row.state == "sent" and row.attempts == 2
    assert len(push_service.received_by(device)) == 1


def test_5xx_is_retried_with_growing_backoff_up_to_a_limit(
    patient, subscribe, push_service, sender
):
    device = subscribe(patient)
    push_service.answer(device, *([500] * dispatch.MAX_ATTEMPTS))
    queue(
        patient.id,
        [Planned("measure_due", "measure:x", utcnow())],  # lives 24 h: room to retry
        [db.session.scalar(select(PushSubscription.id))],
    )
    db.session.commit()
    now = utcnow()
    waits = []
    for _ in range(dispatch.MAX_ATTEMPTS):
        report = dispatch.deliver_due(sender, now=now)
        assert report.claimed == 1
        row = one_row(patient, "measure_due")
        if row.state == "pending":
            waits.append(row.next_attempt_at - now)
            now = row.next_attempt_at
    assert row.state == "failed" and row.last_status == 500 and row.attempts == 5
    assert len(waits) == dispatch.MAX_ATTEMPTS - 1
    assert all(later > earlier for earlier, later in itertools.pairwise(waits))
    assert push_service.received_by(device) == []


def test_a_retry_that_would_arrive_too_late_is_given_up(patient, subscribe, push_service, sender):
    device = subscribe(patient)
    push_service.answer(device, (503, {"Retry-After": str(13 * 3600)}))
    queue(  # a prompt reminder lives 12 hours
        patient.id,
        [Planned("prompt_reminder", "prompt:x", utcnow())],
        [db.session.scalar(select(PushSubscription.id))],
    )
    db.session.commit()
    report = dispatch.deliver_due(sender)
    assert report.expired == 1
    row = one_row(patient, "prompt_reminder")
    assert row.state == "failed" and row.last_error == "expired before delivery"


@pytest.mark.parametrize("status", [413, 400])
def test_our_own_errors_fail_the_row_and_keep_the_device(
    patient, subscribe, push_service, sender, status
):
    device = subscribe(patient)
    push_service.answer(device, status)
    queue_test(patient)
    db.session.commit()
    assert dispatch.deliver_due(sender).failed == 1
    row = one_row(patient)
    assert row.state == "failed" and row.last_status == status
    assert db.session.scalar(select(func.count(PushSubscription.id))) == 1
    queue_test(patient)
    db.session.commit()
    assert dispatch.deliver_due(sender).sent == 1
    assert len(push_service.received_by(device)) == 1


def test_a_push_service_that_does_not_answer_is_retried(patient, sender):
    # A port nobody listens on: the connection is refused at once.
    port = _free_port()
    closed = f"http://127.0.0.1:{port}/push/nobody"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    factories.push_subscription(patient, endpoint=closed)
    queue_test(patient)
    db.session.commit()
    assert dispatch.deliver_due(sender).retrying == 1
    row = one_row(patient)
    assert row.state == "pending" and row.last_status is None
    assert row.last_error.startswith("no answer") and "127.0.0.1" not in row.last_error


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_notification_long_overdue_is_not_sent(patient, subscribe, push_service, sender):
    device = subscribe(patient)
    yesterday = utcnow() - timedelta(days=1)
    queue(
        patient.id,
        [Planned("checkin_reminder", "checkin:old", yesterday)],
        [db.session.scalar(select(PushSubscription.id))],
    )
    db.session.commit()
    assert dispatch.deliver_due(sender).expired == 1
    assert push_service.received_by(device) == []


def test_cancelled_and_future_rows_are_not_sent(patient, subscribe, push_service, sender):
    device = subscribe(patient)
    subscription = db.session.scalar(select(PushSubscription.id))
    queue(
        patient.id,
        [
            Planned("prompt_reminder", "prompt:tomorrow", utcnow() + timedelta(days=1)),
            Planned("prompt_reminder", "prompt:now", utcnow()),
        ],
        [subscription],
    )
    db.session.execute(
        Notification.__table__.update()
        .where(Notification.dedupe_key.like("prompt:now%"))
        .values(state="cancelled")
    )
    db.session.commit()
    assert dispatch.deliver_due(sender).claimed == 0
    assert push_service.received_by(device) == []


def test_a_claimed_row_whose_worker_died_is_taken_again_after_the_lease(
    patient, subscribe, push_service, sender
):
    device = subscribe(patient)
    queue_test(patient)
    db.session.commit()
    now = utcnow()
    assert len(dispatch.claim_due(now)) == 1  # ... and the worker dies here
    assert dispatch.deliver_due(sender, now=now + timedelta(seconds=1)).claimed == 0
    report = dispatch.deliver_due(sender, now=now + dispatch.LEASE + timedelta(seconds=1))
    assert report.sent == 1 and one_row(patient).attempts == 2
    assert len(push_service.received_by(device)) == 1


def test_the_sender_sends_many_at_once_and_keeps_their_order(app, push_service):
    devices = [push_service.new_device() for _ in range(40)]
    push_service.answer(devices[7], 410)
    payload = encode_payload({"title": "Between", "body": "hello", "url": "/#/today", "tag": "t"})
    messages = [
        Message(i, d.endpoint, d.p256dh, d.auth, payload, 60, "low", f"topic{i}")
        for i, d in enumerate(devices)
    ]
    with PushSender(
        app.config["VAPID_PRIVATE_KEY"], app.config["VAPID_SUBJECT"], policy=LOOPBACK, concurrency=8
    ) as sender:
        outcomes = sender.send(messages)
    assert [o.key for o in outcomes] == list(range(40))
    assert [o.status for o in outcomes].count(201) == 39 and outcomes[7].gone
    assert {d.payload["body"] for d in push_service.deliveries} == {"hello"}


def test_retry_after_as_seconds_or_a_date():
    assert parse_retry_after("120") == 120
    now = time.time()
    then = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 90))
    assert 85 <= parse_retry_after(then, now=now) <= 91
    assert parse_retry_after("whenever") is None and parse_retry_after(None) is None


def test_a_worker_slower_than_its_lease_does_not_overwrite_the_worker_that_took_over(
    patient, subscribe, push_service, sender
):
    device = subscribe(patient)
    push_service.answer(device, 500)  # the slow worker's attempt fails ...
    queue_test(patient)
    db.session.commit()
    now = utcnow()

    class StalledSender:
        """Sends, then stalls past its lease while another worker takes the row over."""

        def send_as_completed(self, messages, wait=None):
            outcomes = sender.send(messages)
            dispatch.deliver_due(sender, now=now + dispatch.LEASE + timedelta(seconds=1))
            yield list(zip(messages, outcomes, strict=True))

    report = dispatch.deliver_due(StalledSender(), now=now)
    assert report.lost == 1 and report.retrying == 0
    row = one_row(patient)
    assert row.state == "sent" and row.attempts == 2  # ... the other worker's success stands
    assert len(push_service.received_by(device)) == 1


def _message(endpoint: str, key=0) -> Message:
    """A message whose encryption works (a real device's keys) to any endpoint."""
    from tests.push.pushservice import LoopbackPushService

    with LoopbackPushService() as service:
        device = service.new_device()
    payload = encode_payload({"title": "Between", "body": "hi", "url": "/", "tag": "t"})
    return Message(key, endpoint, device.p256dh, device.auth, payload, 60)


def test_a_push_service_that_never_answers_times_out_and_is_retried(app):
    # It accepts the connection (the kernel does, from the backlog) and then
    # says nothing: the request must end at the timeout, not hang the worker.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}/push/silent"
        with PushSender(
            app.config["VAPID_PRIVATE_KEY"],
            app.config["VAPID_SUBJECT"],
            policy=LOOPBACK,
            timeout=0.5,
        ) as sender:
            began = time.monotonic()
            [outcome] = sender.send([_message(endpoint)])
            waited = time.monotonic() - began
    assert outcome.status is None and outcome.error == "timed out" and outcome.retryable
    assert waited < 5


class _AnswersOnceThenHangsUp(socketserver.StreamRequestHandler):
    """Like a push service closing idle keep-alive connections: one answer per connection."""

    def handle(self):
        while self.rfile.readline() not in (b"\r\n", b""):
            pass
        self.server.connections += 1
        self.wfile.write(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")


@contextlib.contextmanager
def _one_answer_per_connection(tls=None):
    """A running `_AnswersOnceThenHangsUp` service (over `tls` if given) and its origin."""
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _AnswersOnceThenHangsUp) as service:
        service.daemon_threads = True
        service.connections = 0
        if tls is not None:
            service.socket = tls.wrap_socket(service.socket, server_side=True)
        threading.Thread(target=service.serve_forever, args=(POLL_INTERVAL,), daemon=True).start()
        scheme = "http" if tls is None else "https"
        try:
            yield service, f"{scheme}://127.0.0.1:{service.server_address[1]}"
        finally:
            service.shutdown()


def test_a_keep_alive_connection_closed_while_idle_is_opened_again(app):
    with _one_answer_per_connection() as (service, origin):
        endpoint = f"{origin}/push/idle"
        with PushSender(
            app.config["VAPID_PRIVATE_KEY"],
            app.config["VAPID_SUBJECT"],
            policy=LOOPBACK,
            concurrency=1,
        ) as sender:
            first = sender.send([_message(endpoint, 1)])
            time.sleep(0.2)  # the service has hung up by now
            second = sender.send([_message(endpoint, 2)])
    assert [o.status for o in first + second] == [201, 201]
    assert service.connections == 2


def test_tls_certificates_are_verified(app, tmp_path):
    # A push service presenting a certificate nobody vouches for gets nothing:
    # the sender verifies TLS like any browser would.
    import datetime as dt
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    with (
        _one_answer_per_connection(tls) as (service, origin),
        PushSender(
            app.config["VAPID_PRIVATE_KEY"], app.config["VAPID_SUBJECT"], policy=LOOPBACK, timeout=5
        ) as sender,
    ):
        [outcome] = sender.send([_message(f"{origin}/push/untrusted")])
    assert outcome.status is None and outcome.retryable
    assert outcome.error == "no answer (ClientConnectorCertificateError)"
    assert service.connections == 0
