"""Turning notifications on and off for a device, and what the server accepts."""

import base64
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.extensions import db
from server.push.models import Notification, PushSubscription
from server.push.outbox import queue_test
from server.push.subscriptions import MAX_DEVICES_PER_USER
from tests import factories
from tests.push.conftest import API


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_vapid_key_is_a_p256_point_for_application_server_key(client, app):
    response = client.get("/api/v1/push/vapid-public-key")
    assert response.status_code == 200
    raw = base64.urlsafe_b64decode(response.get_json()["public_key"] + "==")
    assert len(raw) == 65 and raw[0] == 4
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)


def test_a_device_is_stored_once_however_often_it_is_posted(as_user, patient, push_service):
    client = as_user(patient)
    device = push_service.new_device()
    first = client.post(API, json=device.subscription_json())
    assert first.status_code == 201
    again = client.post(API, json={**device.subscription_json(), "expirationTime": 1893456000000})
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["expiration_time"].startswith("2030-01-01")
    assert count(PushSubscription, PushSubscription.user_id == patient.id) == 1


def test_a_second_device_is_a_second_subscription(as_user, patient, subscribe):
    client = as_user(patient)
    subscribe(patient, client)
    subscribe(patient, client)
    assert count(PushSubscription, PushSubscription.user_id == patient.id) == 2


def _body(device, **changes):
    body = device.subscription_json()
    keys = dict(body["keys"])
    for name in ("p256dh", "auth"):
        if name in changes:
            keys[name] = changes.pop(name)
    return {**body, "keys": keys, **changes}


def _off_curve_point() -> str:
    x = y = (1).to_bytes(32, "big")
    return b64(b"\x04" + x + y)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"endpoint": "http://push.example.org/abc"}, "endpoint"),
        ({"endpoint": "ftp://push.example.org/abc"}, "endpoint"),
        ({"endpoint": "not a url at all"}, "endpoint"),
        ({"endpoint": "https://10.0.0.8/internal"}, "endpoint"),
        ({"endpoint": "https://user:pw@push.example.org/abc"}, "endpoint"),
        ({"p256dh": b64(b"\x04" + b"\x01" * 10)}, "keys.p256dh"),
        ({"p256dh": _off_curve_point()}, "keys.p256dh"),
        ({"p256dh": "!!!not base64!!!"}, "keys.p256dh"),
        ({"auth": b64(b"x" * 15)}, "keys.auth"),
        ({"auth": b64(b"x" * 17)}, "keys.auth"),
        ({"expirationTime": "soon"}, "expirationTime"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_bad_subscription_is_a_422_naming_the_field(
    as_user, patient, push_service, changes, field
):
    device = push_service.new_device()
    response = as_user(patient).post(API, json=_body(device, **changes))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    for value in changes.values():
        assert str(value) not in response.get_data(as_text=True)
    assert count(PushSubscription) == 0


def test_missing_keys_are_named(as_user, patient):
    response = as_user(patient).post(API, json={"endpoint": "https://push.example.org/x"})
    assert response.status_code == 422 and "keys" in response.get_json()["errors"]


def test_plain_http_is_only_for_loopback_in_development(app, as_user, patient, push_service):
    device = push_service.new_device()  # http://127.0.0.1:port/…
    client = as_user(patient)
    app.config["ALLOW_HTTP_PUSH_ENDPOINTS"] = False
    try:
        refused = client.post(API, json=device.subscription_json())
    finally:
        app.config["ALLOW_HTTP_PUSH_ENDPOINTS"] = True
    assert refused.status_code == 422 and "endpoint" in refused.get_json()["errors"]
    assert client.post(API, json=device.subscription_json()).status_code == 201


def test_subscribing_needs_sign_in_and_the_csrf_token(client, app, patient, push_service):
    device = push_service.new_device()
    assert client.post(API, json=device.subscription_json()).status_code == 401
    from tests.conftest import Auth

    Auth(client).login(patient)
    del client.environ_base["HTTP_X_CSRF_TOKEN"]
    assert client.post(API, json=device.subscription_json()).status_code == 403
    assert count(PushSubscription) == 0


def test_turning_a_device_off_cancels_what_was_queued_for_it(as_user, patient, subscribe):
    client = as_user(patient)
    device = subscribe(patient, client)
    queue_test(patient)
    db.session.commit()
    response = client.delete(API, json={"endpoint": device.endpoint})
    assert response.status_code == 204
    assert count(PushSubscription) == 0
    assert count(Notification, Notification.state == "pending") == 0
    assert client.delete(API, json={"endpoint": device.endpoint}).status_code == 404


def test_nobody_can_turn_off_another_users_device(as_user, clinic, patient, subscribe):
    device = subscribe(patient)
    other = factories.user(clinic, "patient")
    response = as_user(other).delete(API, json={"endpoint": device.endpoint})
    assert response.status_code == 404
    assert count(PushSubscription, PushSubscription.user_id == patient.id) == 1


def test_a_phone_that_changes_hands_stops_getting_the_first_users_reminders(
    as_user, clinic, patient, subscribe
):
    device = subscribe(patient)
    queue_test(patient)
    db.session.commit()
    partner = factories.user(clinic, "patient")
    response = as_user(partner).post(API, json=device.subscription_json())
    assert response.status_code == 201
    stored = db.session.scalar(select(PushSubscription))
    assert stored.user_id == partner.id
    pending = db.session.scalars(select(Notification).where(Notification.state == "pending"))
    assert all(row.user_id == partner.id for row in pending)
    cancelled = db.session.scalars(
        select(Notification).where(Notification.user_id == patient.id, Notification.kind == "test")
    ).all()
    assert [(r.state, r.last_error) for r in cancelled] == [("cancelled", "device changed hands")]
    # Not silently: the first user's audit trail says their device was taken over.
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "push_device_moved")
    ).all()
    assert event.patient_id == patient.id and event.actor_id == partner.id


def test_knowing_an_endpoint_without_its_keys_cannot_take_a_device_over(
    as_user, clinic, patient, subscribe, push_service
):
    device = subscribe(patient)
    queue_test(patient)
    db.session.commit()
    intruder = factories.user(clinic, "patient")
    own_keys = push_service.new_device().subscription_json()["keys"]
    response = as_user(intruder).post(API, json={**device.subscription_json(), "keys": own_keys})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    stored = db.session.scalar(select(PushSubscription).execution_options(populate_existing=True))
    assert (stored.user_id, stored.p256dh) == (patient.id, device.p256dh)
    pending = db.session.scalars(
        select(Notification).where(Notification.user_id == patient.id, Notification.kind == "test")
    ).all()
    assert [r.state for r in pending] == ["pending"]
    assert count(AuditEvent, AuditEvent.action == "push_device_moved") == 0


def test_a_sixth_device_replaces_the_one_seen_least_recently(as_user, patient, subscribe):
    client = as_user(patient)
    devices = [subscribe(patient, client) for _ in range(MAX_DEVICES_PER_USER)]
    # The first device opens the app again: it is seen more recently than the second.
    assert client.post(API, json=devices[0].subscription_json()).status_code == 200
    queue_test(patient)
    db.session.commit()
    subscribe(patient, client)
    endpoints = set(
        db.session.scalars(select(PushSubscription.endpoint).filter_by(user_id=patient.id))
    )
    assert len(endpoints) == MAX_DEVICES_PER_USER
    assert devices[1].endpoint not in endpoints and devices[0].endpoint in endpoints
    orphaned = db.session.scalars(
        select(Notification).where(
            Notification.user_id == patient.id,
            Notification.kind == "test",
            Notification.subscription_id.is_(None),
        )
    ).all()
    assert [(r.state, r.last_error) for r in orphaned] == [
        ("cancelled", "replaced by a newer device")
    ]


# -- the VAPID subject -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    [
        None,
        "",
        "mailto:operator@between.invalid",  # the development default
        "mailto:ops@localhost",
        "mailto:someone@example.com",
        "mailto:nobody",
        "https://between.test/contact",
        "https://127.0.0.1/contact",
        "http://clinic.org/contact",
        "ops@clinic.org",
    ],
)
def test_a_placeholder_vapid_subject_is_refused(subject):
    from server.push.vapid import vapid_subject_problem

    assert vapid_subject_problem(subject)


@pytest.mark.parametrize("subject", ["mailto:push@riverside-kap.org", "https://kap.clinic.org/"])
def test_a_real_vapid_subject_is_accepted(subject):
    from server.push.vapid import vapid_subject_problem

    assert vapid_subject_problem(subject) is None


@pytest.mark.parametrize("subject", [None, "mailto:operator@between.invalid"])
def test_in_production_the_worker_will_not_start_without_a_real_vapid_subject(
    app, runner, monkeypatch, subject
):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    monkeypatch.setitem(app.config, "VAPID_SUBJECT", subject)
    result = runner.invoke(args=["push", "worker", "--once"])
    assert result.exit_code != 0
    assert "will not start in production" in result.output
    assert "VAPID_SUBJECT" in result.output
    assert "Sent" not in result.output


def test_in_production_the_worker_starts_with_a_real_subject_and_development_keeps_a_default(
    app, runner, monkeypatch
):
    from config import DevelopmentConfig, ProductionConfig, TestingConfig

    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    monkeypatch.setitem(app.config, "VAPID_SUBJECT", "mailto:push@riverside-kap.org")
    result = runner.invoke(args=["push", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Sent 0 notification(s)" in result.output
    # Development and tests start with nothing configured; production has no default.
    monkeypatch.setitem(app.config, "ENV_NAME", "testing")
    monkeypatch.setitem(app.config, "VAPID_SUBJECT", "mailto:operator@between.invalid")
    assert runner.invoke(args=["push", "worker", "--once"]).exit_code == 0
    if not os.environ.get("VAPID_SUBJECT"):
        assert DevelopmentConfig.VAPID_SUBJECT and TestingConfig.VAPID_SUBJECT
        assert ProductionConfig.VAPID_SUBJECT is None
