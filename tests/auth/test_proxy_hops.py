"""The number of trusted proxies is configuration (issue 15.8).

With 0 (development), a client that reaches the app directly cannot forge
its address in `X-Forwarded-For` to escape the per-address login limit or
to write someone else's address into the audit log. With N, the address the
N-th proxy from the app saw is believed, and nothing further left.
"""

import pytest
from sqlalchemy import select

from server import create_app, trusted_proxy_hops
from server.audit.models import AuditEvent
from server.extensions import db, limiter

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def app_with_hops(app):
    """An app like the test app with TRUSTED_PROXY_HOPS set; it shares the test's database."""
    made = []

    def make(hops):
        other = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "SECRET_KEY": app.config["SECRET_KEY"],
                "ENCRYPTION_KEYS": app.config["ENCRYPTION_KEYS"],
                "VAPID_PRIVATE_KEY": app.config["VAPID_PRIVATE_KEY"],
                "TRUSTED_PROXY_HOPS": hops,
            }
        )
        made.append(other)
        return other

    yield make
    limiter.init_app(app)  # the shared limiter back on the suite's app
    limiter.reset()


def forged_guesses(app, count):
    client = app.test_client()
    statuses = []
    for number in range(count):
        response = client.post(
            LOGIN,
            json={"email": f"nobody{number}@clinic.test", "password": "not a password at all"},
            headers={"X-Forwarded-For": f"203.0.113.{number}"},
            environ_base={"REMOTE_ADDR": "192.0.2.200", "HTTP_ORIGIN": "http://localhost"},
        )
        statuses.append(response.status_code)
    return statuses


def recorded_addresses():
    return set(
        db.session.scalars(
            select(AuditEvent.ip_address).where(AuditEvent.action == "login_failed")
        ).all()
    )


def test_without_trusted_proxies_a_forged_address_is_ignored(app_with_hops):
    assert forged_guesses(app_with_hops(0), 11) == [401] * 10 + [429]
    assert recorded_addresses() == {"192.0.2.200"}


def test_one_trusted_proxy_passes_on_the_address_it_saw(app_with_hops):
    # Only right behind a real proxy, which overwrites the header with what it saw.
    assert forged_guesses(app_with_hops(1), 11) == [401] * 11
    assert recorded_addresses() == {f"203.0.113.{n}" for n in range(11)}


def test_production_names_the_hops_or_does_not_start():
    with pytest.raises(RuntimeError, match="TRUSTED_PROXY_HOPS"):
        trusted_proxy_hops({"ENV_NAME": "production", "TRUSTED_PROXY_HOPS": None})
    with pytest.raises(RuntimeError, match="whole number"):
        trusted_proxy_hops({"ENV_NAME": "production", "TRUSTED_PROXY_HOPS": "one"})
    assert trusted_proxy_hops({"ENV_NAME": "production", "TRUSTED_PROXY_HOPS": "2"}) == 2
    assert trusted_proxy_hops({"ENV_NAME": "development", "TRUSTED_PROXY_HOPS": None}) == 0
