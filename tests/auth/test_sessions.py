"""Sessions end on time and on demand: idle and absolute limits, logout, password
change and an admin's revocation, all enforced by the server.

Time is simulated by moving the signed session cookie's own timestamps back
(`client.session_transaction()`), as a browser left open would present them.
"""

import pytest
from sqlalchemy import select

from server.audit.models import AuditEvent
from server.auth.models import ApiToken, LoginSession
from server.extensions import db
from tests import factories

ME = "/api/v1/auth/me"
MINUTE = 60
HOUR = 60 * MINUTE


def age_session(client, *, idle=0, since_login=0):
    """Pretend the last request was `idle` seconds ago and login `since_login` ago."""
    with client.session_transaction() as session:
        session["seen"] -= idle
        session["started"] -= since_login


def expired(response):
    return (
        response.status_code == 401 and response.get_json()["type"] == "/problems/session-expired"
    )


@pytest.mark.parametrize(
    ("role", "limit_minutes"), [("patient", 30), ("therapist", 15), ("admin", 15)]
)
def test_idle_sessions_end_after_the_role_s_limit(as_user, clinic, role, limit_minutes):
    user = factories.user(clinic, role)
    client = as_user(user)
    age_session(client, idle=(limit_minutes - 1) * MINUTE)
    assert client.get(ME).status_code == 200  # still inside the limit; the clock restarts
    age_session(client, idle=(limit_minutes + 1) * MINUTE)
    assert expired(client.get(ME))
    assert client.get(ME).status_code == 401


def test_activity_keeps_a_session_alive_past_the_idle_limit(as_user, patient):
    client = as_user(patient)
    for _ in range(3):  # 3 x 20 minutes of use, each request inside the 30-minute limit
        age_session(client, idle=20 * MINUTE, since_login=20 * MINUTE)
        assert client.get(ME).status_code == 200


def test_sessions_end_twelve_hours_after_login_however_active(as_user, patient):
    client = as_user(patient)
    age_session(client, since_login=11 * HOUR + 59 * MINUTE)
    assert client.get(ME).status_code == 200
    age_session(client, since_login=2 * MINUTE)  # 12 h 01 min, active a moment ago
    assert expired(client.get(ME))


def test_an_expired_session_is_ended_on_the_server_too(as_user, patient):
    client = as_user(patient)
    cookie = client.get_cookie("between_session").value
    age_session(client, idle=31 * MINUTE)
    assert expired(client.get(ME))
    revoked = db.session.scalars(
        select(LoginSession.revoked_at).where(LoginSession.user_id == patient.id)
    ).all()
    assert revoked and all(revoked)
    # Replaying the old cookie signs nobody in.
    client.set_cookie("between_session", cookie)
    assert client.get(ME).status_code == 401


def test_the_session_timestamps_cannot_be_edited_by_the_client(as_user, patient):
    client = as_user(patient)
    age_session(client, idle=31 * MINUTE)
    # A cookie with timestamps made up by the client fails its signature: no session at all.
    cookie = client.get_cookie("between_session").value
    payload, _, signature = cookie.rpartition(".")
    client.set_cookie("between_session", payload + "." + signature[::-1])
    assert client.get(ME).status_code == 401


def test_logout_revokes_the_session_row(client, auth, patient):
    auth.login(patient)
    auth.logout()
    assert db.session.scalar(select(LoginSession.revoked_at)) is not None


def test_a_password_change_ends_other_sessions_and_tokens(app, as_user, patient):
    phone = app.test_client()
    token = phone.post(
        "/api/v1/auth/tokens", json={"email": patient.email, "password": factories.PASSWORD}
    ).get_json()["token"]
    laptop = as_user(patient)
    current = as_user(patient)
    changed = current.post(
        "/api/v1/auth/password",
        json={"current_password": factories.PASSWORD, "new_password": "another long passphrase"},
    )
    assert changed.status_code == 204
    assert laptop.get(ME).status_code == 401
    assert phone.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert current.get(ME).status_code == 200


def test_a_password_change_from_a_phone_keeps_that_phone_signed_in(app, as_user, patient):
    phone = app.test_client()
    token = phone.post(
        "/api/v1/auth/tokens", json={"email": patient.email, "password": factories.PASSWORD}
    ).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    laptop = as_user(patient)
    changed = phone.post(
        "/api/v1/auth/password",
        json={"current_password": factories.PASSWORD, "new_password": "another long passphrase"},
        headers=headers,
    )
    assert changed.status_code == 204
    assert phone.get(ME, headers=headers).status_code == 200
    assert laptop.get(ME).status_code == 401


def revoke(client, user):
    return client.post(f"/api/v1/users/{user.id}/sessions/revoke")


def test_an_admin_ends_all_of_a_users_sessions_and_tokens_at_once(app, clinic, as_user, patient):
    admin = factories.user(clinic, "admin")
    bystander = factories.user(clinic, "patient")
    browser_one, browser_two = as_user(patient), as_user(patient)
    unaffected = as_user(bystander)
    token = (
        app.test_client()
        .post("/api/v1/auth/tokens", json={"email": patient.email, "password": factories.PASSWORD})
        .get_json()["token"]
    )

    assert revoke(as_user(admin), patient).status_code == 204
    assert browser_one.get(ME).status_code == 401
    assert browser_two.get(ME).status_code == 401
    bearer = app.test_client().get(ME, headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 401
    assert unaffected.get(ME).status_code == 200
    assert db.session.scalars(select(ApiToken.revoked_at)).all()[0] is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sessions_revoked"))
    assert event.actor_id == admin.id and event.object_id == patient.id
    assert event.patient_id == patient.id
    # Signing in again works: revocation ends sessions, it does not lock the account.
    assert as_user(patient).get(ME).status_code == 200


def test_an_admin_can_end_a_therapists_sessions(clinic, as_user, therapist):
    admin = factories.user(clinic, "admin")
    session = as_user(therapist)
    assert revoke(as_user(admin), therapist).status_code == 204
    assert session.get(ME).status_code == 401


def test_only_an_admin_of_the_same_clinic_may_revoke(as_user, clinic, patient):
    other_clinic = factories.clinic()
    other_admin = factories.user(other_clinic, "admin")
    session = as_user(patient)
    assert revoke(as_user(other_admin), patient).status_code == 404  # not even "forbidden"
    admin = factories.user(clinic, "admin")
    missing = as_user(admin).post(
        "/api/v1/users/00000000-0000-4000-8000-000000000000/sessions/revoke"
    )
    assert missing.status_code == 404
    assert session.get(ME).status_code == 200


def test_revocation_is_a_cookie_request_that_needs_the_csrf_token(as_user, clinic, patient):
    admin_client = as_user(factories.user(clinic, "admin"))
    token = admin_client.environ_base.pop("HTTP_X_CSRF_TOKEN")
    assert revoke(admin_client, patient).status_code == 403
    admin_client.environ_base["HTTP_X_CSRF_TOKEN"] = token
    assert revoke(admin_client, patient).status_code == 204
