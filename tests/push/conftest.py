"""Fixtures for Web Push: a real push service on 127.0.0.1, and our sender."""

import pytest

from server.push.delivery import PushSender
from server.push.egress import LOOPBACK
from tests.push.pushservice import LoopbackPushService

API = "/api/v1/push/subscriptions"


@pytest.fixture
def push_service():
    """A loopback push service that verifies VAPID and decrypts every message."""
    with LoopbackPushService() as service:
        yield service


@pytest.fixture
def sender(app):
    """The delivery module's sender, with the app's VAPID key."""
    with PushSender(
        app.config["VAPID_PRIVATE_KEY"],
        app.config["VAPID_SUBJECT"],
        concurrency=4,
        timeout=5.0,
        policy=LOOPBACK,
    ) as made:
        yield made


@pytest.fixture
def subscribe(as_user, push_service):
    """`subscribe(user)` turns notifications on for `user` on a new loopback device,
    through the API as the PWA does; returns the device."""

    def make(user, client=None):
        device = push_service.new_device()
        response = (client or as_user(user)).post(API, json=device.subscription_json())
        assert response.status_code == 201, response.get_json()
        return device

    return make
