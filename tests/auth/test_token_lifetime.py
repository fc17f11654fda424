"""Bearer tokens expire: an idle limit and an absolute lifetime (issue 15.4).

Both are configuration per role, staff shorter than patients; the answer
that issues a token says when it expires; each use moves the idle limit on;
the owner lists and revokes their tokens. The clock (conftest) is moved, not
waited on.
"""

from datetime import datetime, timedelta

import pytest

from tests import factories

TOKENS = "/api/v1/auth/tokens"
ME = "/api/v1/auth/me"


def issue(app, user, name="phone"):
    client = app.test_client()
    body = {"email": user.email, "password": factories.PASSWORD, "name": name}
    code = factories.totp_code(user)
    if code:
        body["totp"] = code
    response = client.post(TOKENS, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def use(app, token):
    return app.test_client().get(ME, headers={"Authorization": f"Bearer {token}"})


def parse(value):
    return datetime.fromisoformat(value)


def hours(app, name, role):
    return app.config[name][role]


def test_the_issuing_answer_says_when_it_expires_and_staff_get_less(app, patient, therapist):
    for user in (patient, therapist):
        issued = issue(app, user)
        created = parse(issued["created_at"])
        idle = hours(app, "TOKEN_IDLE_HOURS", user.role)
        lifetime = hours(app, "TOKEN_LIFETIME_HOURS", user.role)
        assert parse(issued["expires_at"]) == created + timedelta(hours=idle)
        assert parse(issued["lifetime_ends_at"]) == created + timedelta(hours=lifetime)
    assert hours(app, "TOKEN_IDLE_HOURS", "therapist") < hours(app, "TOKEN_IDLE_HOURS", "patient")
    assert hours(app, "TOKEN_LIFETIME_HOURS", "admin") < hours(
        app, "TOKEN_LIFETIME_HOURS", "patient"
    )


@pytest.mark.parametrize("role", ["patient", "therapist"])
def test_an_unused_token_stops_working_after_the_idle_limit(app, clinic, clock, role):
    user = factories.user(clinic, role)
    token = issue(app, user)["token"]
    idle = hours(app, "TOKEN_IDLE_HOURS", role)
    clock.move(hours=idle - 1)
    assert use(app, token).status_code == 200  # used: the idle limit moves on
    clock.move(hours=idle - 1)
    assert use(app, token).status_code == 200
    clock.move(hours=idle + 1)
    expired = use(app, token)
    assert expired.status_code == 401
    assert expired.get_json()["type"] == "/problems/session-expired"


def test_a_token_in_daily_use_still_ends_at_its_lifetime(app, patient, clock):
    token = issue(app, patient)["token"]
    lifetime = hours(app, "TOKEN_LIFETIME_HOURS", "patient")
    for _ in range(lifetime // 24 - 1):
        clock.move(hours=24)
        assert use(app, token).status_code == 200
    clock.move(hours=25)
    assert use(app, token).status_code == 401


def test_the_owner_lists_and_revokes_their_tokens(app, clinic, patient, as_user, clock):
    phone = issue(app, patient, "phone")
    tablet = issue(app, patient, "tablet")
    issue(app, factories.user(clinic, "patient"), "someone else's")
    clock.move(hours=1)
    listed = app.test_client().get(TOKENS, headers={"Authorization": f"Bearer {phone['token']}"})
    assert listed.status_code == 200
    items = {item["name"]: item for item in listed.get_json()["items"]}
    assert set(items) == {"phone", "tablet"}
    assert items["phone"]["current"] and not items["tablet"]["current"]
    assert items["phone"]["last_used_at"] is not None
    assert parse(items["phone"]["expires_at"]) > parse(items["tablet"]["expires_at"])
    assert "token" not in items["phone"]  # the clear token is shown once only

    client = as_user(patient)
    assert client.delete(f"{TOKENS}/{tablet['id']}").status_code == 204
    assert use(app, tablet["token"]).status_code == 401
    assert [item["name"] for item in client.get(TOKENS).get_json()["items"]] == ["phone"]
    # Expired tokens are not listed either.
    clock.move(hours=hours(app, "TOKEN_IDLE_HOURS", "patient") + 2)
    assert client.get(TOKENS).get_json()["items"] == []
