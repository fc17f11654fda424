"""SSRF: the worker connects only to global unicast addresses, however the host is written.

A patient chooses the URL the worker POSTs to. These tests point it at our
own machine in the ways an attacker would (other spellings of an address,
a DNS name that resolves to one) and check that nothing connects: the
listeners count every request they get.
"""

import socket
import uuid

import pytest
from sqlalchemy import select

from server.extensions import db
from server.push import dispatch
from server.push.delivery import PushSender
from server.push.egress import (
    LOOPBACK,
    EgressPolicy,
    RefusedTarget,
    address_allowed,
    guarded_socket_factory,
)
from server.push.models import Notification, PushSubscription
from server.push.outbox import queue_test
from tests import factories
from tests.push.hostile import HostileEndpoints

#: Production's rule without the port rule, so a listener on a spare port
#: can stand in for an internal service.
STRICT = EgressPolicy(allow_loopback=False, allowed_ports=None)

INTERNAL = [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",  # noqa: S104 - an address under test, not a bind
    "224.0.0.1",
    "::1",
    "fd00::1",
    "fe80::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:a9fe:a9fe",  # 169.254.169.254, mapped, in hex
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
]


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_not_allowed(address):
    assert not address_allowed(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_global_unicast_addresses_are_allowed(address):
    assert address_allowed(address)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "2130706433",  # decimal
        "0x7f000001",  # hex
        "0x7f.1",
        "017700000001",  # octal
        "0177.0.0.1",
        "127.1",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::1]",
        "localhost",
        "LOCALHOST.",
        "api.localhost",
        "[64:ff9b::a9fe:a9fe]",
    ],
)
def test_every_spelling_of_an_internal_address_is_refused_before_connecting(host):
    assert STRICT.problem(f"https://{host}:8443/push/x") is not None


def test_the_socket_factory_refuses_what_the_resolver_never_saw():
    # aiohttp does not resolve a literal IP; the factory sees every address it connects to.
    make = guarded_socket_factory(STRICT)
    for addr_info in [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443)),
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::ffff:10.0.0.1", 443, 0, 0)),
    ]:
        with pytest.raises(RefusedTarget):
            make(addr_info)
    make((socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", 443))).close()


def _name_for_an_internal_address() -> tuple[str, str]:
    """A DNS name of this machine that resolves only to non-global addresses."""
    name = socket.gethostname()
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, 443, socket.AF_INET)}
    except OSError:
        pytest.skip("this machine's name does not resolve")
    if any(address_allowed(a) for a in addresses):
        pytest.skip("this machine's name resolves to a public address")
    return name, sorted(addresses)[0]


def _sender(app, policy=STRICT) -> PushSender:
    return PushSender(
        app.config["VAPID_PRIVATE_KEY"], app.config["VAPID_SUBJECT"], timeout=5, policy=policy
    )


def test_a_name_that_resolves_to_an_internal_address_is_refused_at_connect_time(app, push_service):
    name, address = _name_for_an_internal_address()
    device = push_service.new_device()
    with HostileEndpoints(host=address) as internal, _sender(app) as sender:
        # https on a spare port passes the URL rules (STRICT allows any port):
        # only the resolved address says no.
        endpoint = f"https://{name}:{internal.port}/ok/x"
        assert STRICT.problem(endpoint) is None
        [outcome] = sender.send([_message(device, endpoint)])
    assert outcome.refused and outcome.error == "refused target" and not outcome.retryable
    assert sum(internal.hits.values()) == 0


def _message(device, endpoint):
    from server.push.delivery import Message
    from server.push.outbox import payload_for

    return Message(uuid.uuid4(), endpoint, device.p256dh, device.auth, payload_for("test"), 60)


def test_a_refused_target_marks_the_device_dead_without_contacting_it(app, patient, push_service):
    name, address = _name_for_an_internal_address()
    with HostileEndpoints(host=address) as internal:
        device = push_service.new_device()
        factories.push_subscription(
            patient, device, endpoint=f"https://{name}:{internal.port}/ok/x"
        )
        queue_test(patient)
        db.session.commit()
        with _sender(app) as sender:
            report = dispatch.deliver_due(sender)
    assert report.gone == 1 and report.sent == 0
    [row] = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == patient.id, Notification.kind == "test")
        .execution_options(populate_existing=True)
    )
    assert (row.state, row.last_error, row.last_status) == ("failed", "refused target", None)
    assert db.session.scalars(select(PushSubscription).filter_by(user_id=patient.id)).all() == []
    assert sum(internal.hits.values()) == 0


def test_the_export_is_no_oracle_of_how_internal_hosts_answer(app, as_user, patient, push_service):
    """Three internal 'services' that would answer 201, hang or 404 look the same."""
    name, address = _name_for_an_internal_address()
    with HostileEndpoints(host=address) as internal:
        for kind in ("ok", "hang", "missing"):
            device = push_service.new_device()
            endpoint = f"https://{name}:{internal.port}/{kind}/x"
            factories.push_subscription(patient, device, endpoint=endpoint)
        queue_test(patient)
        db.session.commit()
        with _sender(app) as sender:
            dispatch.deliver_due(sender)
    exported = as_user(patient).get("/api/v1/me/export").get_json()
    tests = [n for n in exported["notifications"] if n["kind"] == "test"]
    assert len(tests) == 3
    assert {(n["state"], n["sent_at"]) for n in tests} == {("failed", None)}
    assert sum(internal.hits.values()) == 0


def test_redirects_and_non_default_ports_are_refused_in_production(app):
    production = EgressPolicy.from_config({"ENV_NAME": "production"})
    assert production.problem("https://fcm.googleapis.com/fcm/send/abc") is None
    assert production.problem("https://fcm.googleapis.com:8443/fcm/send/abc") == "port not allowed"
    configured = EgressPolicy.from_config(
        {"ENV_NAME": "production", "PUSH_ALLOWED_PORTS": "443,8443"}
    )
    assert configured.problem("https://push.example.org:8443/x") is None


def test_the_strict_setting_allows_only_the_listed_push_services():
    strict = EgressPolicy.from_config(
        {
            "ENV_NAME": "production",
            "PUSH_ALLOWED_HOST_SUFFIXES": "fcm.googleapis.com, push.services.mozilla.com",
        }
    )
    assert strict.problem("https://fcm.googleapis.com/fcm/send/abc") is None
    assert strict.problem("https://updates.push.services.mozilla.com/wpush/v2/x") is None
    assert strict.problem("https://evilfcm.googleapis.com.attacker.example/x") is not None
    assert strict.problem("https://attacker.example/fcm.googleapis.com") is not None
    assert strict.problem("https://8.8.8.8/x") is not None


def test_the_api_refuses_an_internal_endpoint_however_it_is_written(
    app, as_user, patient, monkeypatch
):
    monkeypatch.setitem(app.config, "ALLOW_HTTP_PUSH_ENDPOINTS", False)  # as in production
    client = as_user(patient)
    device_keys = {
        "p256dh": factories.push_subscription(patient).p256dh,
        "auth": "AAAAAAAAAAAAAAAAAAAAAA",
    }
    for endpoint in ("https://2130706433/x", "https://[::ffff:a9fe:a9fe]/x", "https://0x7f.1/x"):
        response = client.post(
            "/api/v1/push/subscriptions", json={"endpoint": endpoint, "keys": device_keys}
        )
        assert response.status_code == 422, endpoint
        assert "endpoint" in response.get_json()["errors"]


def test_a_redirect_is_not_followed(app, patient, push_service):
    """A public endpoint that redirects to an internal one gets no second request."""
    internal = push_service.new_device()  # what the redirect points at
    with HostileEndpoints() as public:
        public.redirect_to = internal.endpoint
        device = push_service.new_device()
        with PushSender(
            app.config["VAPID_PRIVATE_KEY"], app.config["VAPID_SUBJECT"], policy=LOOPBACK
        ) as sender:
            [outcome] = sender.send([_message(device, public.url("redirect"))])
    assert public.hits["redirect"] == 1
    assert outcome.status == 307 and not outcome.accepted and not outcome.retryable
    assert push_service.requests == 0
