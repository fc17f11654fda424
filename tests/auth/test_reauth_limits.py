"""A stolen session cannot guess the password or a code faster than the login form.

/auth/password, /auth/totp/disable and DELETE /me check the caller's password
(and code) again. They spend one re-authentication budget of the account:
the 11th wrong one in 15 minutes, on any of them, is 429 (SPEC 8). Each
failure and each refusal is audited against the account.
"""

from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.extensions import db
from tests import factories

LOGIN = "/api/v1/auth/login"
TOKENS = "/api/v1/auth/tokens"
PASSWORD = "/api/v1/auth/password"
DISABLE = "/api/v1/auth/totp/disable"
NEW_PASSWORD = "a brand new long passphrase"
WRONG_RECOVERY_CODE = "AAAA-BBBB-CCCC-DDDD"


def wrong_password_change(client):
    return client.post(
        PASSWORD, json={"current_password": "not my password at all", "new_password": NEW_PASSWORD}
    )


def assert_locked(response):
    assert response.status_code == 429, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 429


def refresh_csrf(client):
    """A password change replaces the cookie session; the PWA asks /auth/me for the new token."""
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200
    client.environ_base["HTTP_X_CSRF_TOKEN"] = me.get_json()["csrf_token"]


def failed_reauths(user) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "reauth_failed", AuditEvent.object_id == user.id)
    )


def test_the_eleventh_wrong_current_password_is_429(as_user, patient):
    client = as_user(patient)
    for _ in range(9):
        response = wrong_password_change(client)
        assert response.status_code == 422
        assert set(response.get_json()["errors"]) == {"current_password"}
    # Before the limit, the right password still works...
    right = client.post(
        PASSWORD, json={"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert right.status_code == 204, right.get_json()
    refresh_csrf(client)
    assert wrong_password_change(client).status_code == 422  # the tenth failure
    # ...and the eleventh wrong one is refused without being checked.
    assert_locked(wrong_password_change(client))
    # Now even the right one waits: a guesser cannot tell a hit from a miss.
    assert_locked(
        client.post(
            PASSWORD, json={"current_password": NEW_PASSWORD, "new_password": "yet another one!!"}
        )
    )
    assert failed_reauths(patient) == 10


def test_a_refused_new_password_is_not_a_failed_guess(as_user, patient):
    client = as_user(patient)
    for _ in range(11):
        response = client.post(
            PASSWORD, json={"current_password": factories.PASSWORD, "new_password": "short"}
        )
        assert response.status_code == 422
        assert set(response.get_json()["errors"]) == {"new_password"}
    assert failed_reauths(patient) == 0


def test_turning_totp_off_is_limited_for_wrong_passwords_and_codes(as_user, therapist):
    client = as_user(therapist)
    for attempt in range(10):
        if attempt % 2:
            body = {"password": "not my password at all", "code": factories.totp_code(therapist)}
            field = "password"
        else:
            body = {"password": factories.PASSWORD, "code": WRONG_RECOVERY_CODE}
            field = "code"
        response = client.post(DISABLE, json=body)
        assert response.status_code == 422, response.get_json()
        assert set(response.get_json()["errors"]) == {field}
    # The right password and a current code, after ten failures: still 429.
    assert_locked(
        client.post(
            DISABLE, json={"password": factories.PASSWORD, "code": factories.totp_code(therapist)}
        )
    )
    db.session.expire_all()
    assert db.session.get(type(therapist), therapist.id).totp_enrolled
    assert failed_reauths(therapist) == 10


def test_a_right_totp_disable_before_the_limit_works(as_user, therapist):
    client = as_user(therapist)
    for _ in range(9):
        response = client.post(
            DISABLE, json={"password": factories.PASSWORD, "code": WRONG_RECOVERY_CODE}
        )
        assert response.status_code == 422
    right = client.post(
        DISABLE, json={"password": factories.PASSWORD, "code": factories.totp_code(therapist)}
    )
    assert right.status_code == 204, right.get_json()


def test_password_change_totp_disable_and_deletion_spend_one_budget(as_user, clinic, therapist):
    """A stolen session gets ten guesses in all, not ten per route; each is audited."""
    patient = factories.user(
        clinic, "patient", therapist=therapist, totp_secret=factories.STAFF_TOTP_SECRET
    )
    client = as_user(patient)
    wrong = "not my password at all"
    for _ in range(4):
        assert wrong_password_change(client).status_code == 422
    for _ in range(3):
        body = {"password": wrong, "code": factories.totp_code(patient)}
        assert client.post(DISABLE, json=body).status_code == 422
    for _ in range(3):
        assert client.delete("/api/v1/me", json={"password": wrong}).status_code == 422
    # The eleventh, on any of the three routes, is refused unchecked, and audited.
    assert_locked(client.delete("/api/v1/me", json={"password": factories.PASSWORD}))
    assert_locked(wrong_password_change(client))
    assert client.get("/api/v1/auth/me").status_code == 200  # nothing was deleted
    assert failed_reauths(patient) == 10
    throttled = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "reauth_throttled")
    ).all()
    assert len(throttled) == 2
    assert {(e.object_id, e.clinic_id) for e in throttled} == {(patient.id, clinic.id)}


def test_a_session_cannot_be_locked_out_by_guesses_at_the_login_form(app, as_user, patient):
    """Re-authentication is spent only by the signed-in caller, never by a guesser outside."""
    for address in range(12):
        guesser = app.test_client()
        guesser.environ_base.update(
            HTTP_ORIGIN="http://localhost", REMOTE_ADDR=f"192.0.2.{address}"
        )
        wrong = {"email": patient.email, "password": "not my password at all"}
        assert guesser.post(LOGIN, json=wrong).status_code == 401
    client = as_user(patient)
    right = client.post(
        PASSWORD, json={"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert right.status_code == 204, right.get_json()


def test_login_and_token_requests_share_one_count(app, patient):
    client = app.test_client()
    client.environ_base.update(HTTP_ORIGIN="http://localhost")
    wrong = {"email": patient.email, "password": "not my password at all"}
    client.environ_base["REMOTE_ADDR"] = "192.0.2.90"
    for _ in range(5):
        assert client.post(LOGIN, json=wrong).status_code == 401
        assert client.post(TOKENS, json={**wrong, "name": "phone"}).status_code == 401
    assert_locked(client.post(TOKENS, json={**wrong, "name": "phone"}))
