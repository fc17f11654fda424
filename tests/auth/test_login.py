"""Signing in and out, CSRF, bearer tokens, password changes, login limits."""

import pytest

from tests import factories

LOGIN = "/api/v1/auth/login"


def test_login_answers_me_with_a_csrf_token(client, patient):
    response = client.post(
        LOGIN, json={"email": "PATIENT@Clinic.test", "password": factories.PASSWORD}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == "patient@clinic.test" and body["role"] == "patient"
    assert len(body["csrf_token"]) > 20
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    me = client.get("/api/v1/auth/me").get_json()
    assert me["id"] == str(patient.id) and me["csrf_token"] == body["csrf_token"]


def test_wrong_password_and_unknown_account_answer_alike(client, patient):
    wrong = client.post(LOGIN, json={"email": patient.email, "password": "not the password!"})
    unknown = client.post(
        LOGIN, json={"email": "nobody@clinic.test", "password": "not the password!"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert client.get("/api/v1/auth/me").status_code == 401


def test_unsafe_requests_need_the_csrf_token_and_same_origin(client, auth, patient):
    auth.login(patient)
    token = client.environ_base.pop("HTTP_X_CSRF_TOKEN")
    settings = {"display_name": "Renamed"}
    refused = client.patch("/api/v1/me/settings", json=settings)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    cross = client.patch(
        "/api/v1/me/settings",
        json=settings,
        headers={"X-CSRF-Token": token, "Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    ok = client.patch("/api/v1/me/settings", json=settings, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200 and ok.get_json()["display_name"] == "Renamed"


def test_login_itself_refuses_a_cross_origin_post(client, patient):
    response = client.post(
        LOGIN,
        json={"email": patient.email, "password": factories.PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_logout_ends_the_session_on_the_server(client, auth, patient):
    auth.login(patient)
    stolen_cookie = client.get_cookie("between_session").value
    assert auth.logout().status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401
    # A copy of the cookie taken before logout signs nobody in afterwards.
    client.set_cookie("between_session", stolen_cookie)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_password_change_ends_every_other_session(app, client, auth, patient, as_user):
    other_device = as_user(patient)
    auth.login(patient)
    response = client.post(
        "/api/v1/auth/password",
        json={"current_password": factories.PASSWORD, "new_password": "a brand new passphrase"},
    )
    assert response.status_code == 204
    assert other_device.get("/api/v1/auth/me").status_code == 401
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200
    client.environ_base["HTTP_X_CSRF_TOKEN"] = me.get_json()["csrf_token"]
    login = client.post(LOGIN, json={"email": patient.email, "password": "a brand new passphrase"})
    assert login.status_code == 200


def test_weak_new_password_is_refused_naming_the_field(client, auth, patient):
    auth.login(patient)
    for weak in ("short one", "password1234"):
        response = client.post(
            "/api/v1/auth/password",
            json={"current_password": factories.PASSWORD, "new_password": weak},
        )
        assert response.status_code == 422
        assert "new_password" in response.get_json()["errors"]


def test_bearer_tokens_work_without_cookies_or_csrf_and_can_be_revoked(app, patient):
    mobile = app.test_client()
    created = mobile.post(
        "/api/v1/auth/tokens",
        json={"email": patient.email, "password": factories.PASSWORD, "name": "phone"},
    )
    assert created.status_code == 201
    token = created.get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = mobile.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200 and me.get_json()["csrf_token"] is None
    assert (
        mobile.patch(
            "/api/v1/me/settings", json={"display_name": "Phone user"}, headers=headers
        ).status_code
        == 200
    )
    token_id = created.get_json()["id"]
    assert mobile.delete(f"/api/v1/auth/tokens/{token_id}", headers=headers).status_code == 204
    assert mobile.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_a_bad_bearer_token_is_refused_even_with_a_valid_cookie(client, auth, patient):
    auth.login(patient)
    response = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401


def test_tokens_are_stored_hashed(app, patient):
    from sqlalchemy import select

    from server.auth.models import ApiToken
    from server.extensions import db

    created = app.test_client().post(
        "/api/v1/auth/tokens", json={"email": patient.email, "password": factories.PASSWORD}
    )
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert created.get_json()["token"] not in stored and len(stored) == 1


def test_someone_elses_token_cannot_be_revoked(app, clinic, patient, as_user):
    other = factories.user(clinic, "patient")
    created = app.test_client().post(
        "/api/v1/auth/tokens", json={"email": patient.email, "password": factories.PASSWORD}
    )
    response = as_user(other).delete(f"/api/v1/auth/tokens/{created.get_json()['id']}")
    assert response.status_code == 404


@pytest.mark.parametrize("key", ["account", "address"])
def test_ten_failures_in_fifteen_minutes_lock_login(app, clinic, patient, key):
    """Ten failures lock one address out of one account, or one address out of all.

    The account's owner elsewhere still gets in: guessing from other addresses
    is capped by the account's slower backstop (tests/auth/test_lockout.py).
    """

    def attempt(client, email, password="wrong password here"):
        return client.post(LOGIN, json={"email": email, "password": password})

    def client_at(address):
        client = app.test_client()
        client.environ_base.update(HTTP_ORIGIN="http://localhost", REMOTE_ADDR=address)
        return client

    for number in range(10):
        if key == "account":  # one account, guessed at from one address
            assert attempt(client_at("192.0.2.77"), patient.email).status_code == 401
        else:  # many accounts, guessed at from one address
            assert (
                attempt(client_at("192.0.2.99"), f"nobody{number}@clinic.test").status_code == 401
            )
    other = factories.user(clinic, "patient")
    if key == "account":
        locked = attempt(client_at("192.0.2.77"), patient.email, factories.PASSWORD)
        assert (
            attempt(client_at("198.51.100.1"), patient.email, factories.PASSWORD).status_code == 200
        )
    else:
        locked = attempt(client_at("192.0.2.99"), other.email, factories.PASSWORD)
        assert (
            attempt(client_at("198.51.100.1"), patient.email, factories.PASSWORD).status_code == 200
        )
    assert locked.status_code == 429
    assert locked.mimetype == "application/problem+json"


def test_audit_log_records_logins_and_failures_without_passwords(client, patient):
    from sqlalchemy import select

    from server.audit.models import AuditEvent
    from server.extensions import db

    client.post(LOGIN, json={"email": patient.email, "password": "wrong password here"})
    client.post(LOGIN, json={"email": patient.email, "password": factories.PASSWORD})
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.at)).all()
    assert actions == ["login_failed", "login"]
