"""Two-step sign-in: required for therapists and admins, optional for patients."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from sqlalchemy import select

from server.audit.models import AuditEvent
from server.auth.models import RecoveryCode, User
from server.extensions import db
from tests import factories

LOGIN = "/api/v1/auth/login"
ENROL = "/api/v1/auth/totp/enrol"
CONFIRM = "/api/v1/auth/totp/confirm"
DISABLE = "/api/v1/auth/totp/disable"
ENROLMENT_REQUIRED = "/problems/totp-enrolment-required"


def new_client(app):
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    return client


def sign_in(client, user, **extra):
    response = client.post(
        LOGIN, json={"email": user.email, "password": factories.PASSWORD, **extra}
    )
    if response.status_code == 200:
        client.environ_base["HTTP_X_CSRF_TOKEN"] = response.get_json()["csrf_token"]
    return response


def code_at(secret, moment):
    return pyotp.TOTP(secret).at(moment)


def enrol(client):
    """Enrol the signed-in user; returns (secret, recovery codes)."""
    started = client.post(ENROL)
    assert started.status_code == 201, started.get_json()
    secret = started.get_json()["secret"]
    confirmed = client.post(CONFIRM, json={"code": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 200, confirmed.get_json()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = confirmed.get_json()["csrf_token"]
    return secret, confirmed.get_json()["recovery_codes"]


@pytest.fixture
def new_therapist(clinic):
    """A therapist who has not set up TOTP yet (e.g. just accepted an invite)."""
    return factories.user(clinic, "therapist", totp_secret=None)


def test_staff_without_totp_get_a_session_for_enrolment_only(app, new_therapist):
    client = new_client(app)
    assert sign_in(client, new_therapist).status_code == 200
    me = client.get("/api/v1/auth/me").get_json()
    assert me["totp_required"] is True and me["totp_enrolled"] is False
    for method, path in (
        ("get", "/api/v1/me/settings"),
        ("patch", "/api/v1/me/settings"),
        ("post", "/api/v1/invites"),
        ("get", "/api/v1/audit"),
    ):
        response = getattr(client, method)(path, json={} if method != "get" else None)
        assert response.status_code == 403, path
        assert response.get_json()["type"] == ENROLMENT_REQUIRED
    # Routes that do not exist still say so.
    assert client.get("/api/v1/nothing-here").status_code == 404


def test_enrolment_gives_a_uri_and_activates_only_with_a_right_code(app, new_therapist):
    client = new_client(app)
    sign_in(client, new_therapist)
    started = client.post(ENROL)
    assert started.status_code == 201
    body = started.get_json()
    uri = urlsplit(body["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [body["secret"]]
    assert parse_qs(uri.query)["issuer"] == ["Between"]
    assert body["qr_code"].startswith("data:image/svg+xml")
    assert client.get("/api/v1/me/settings").status_code == 403  # pending is not enrolled

    wrong = client.post(CONFIRM, json={"code": "000000"})
    if wrong.status_code == 200:  # one in a million: 000000 was the code
        pytest.skip("the wrong code happened to be right")
    assert wrong.status_code == 422 and "code" in wrong.get_json()["errors"]

    confirmed = client.post(CONFIRM, json={"code": pyotp.TOTP(body["secret"]).now()})
    assert confirmed.status_code == 200
    codes = confirmed.get_json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", code) for code in codes)
    client.environ_base["HTTP_X_CSRF_TOKEN"] = confirmed.get_json()["csrf_token"]
    assert client.get("/api/v1/me/settings").status_code == 200
    me = client.get("/api/v1/auth/me").get_json()
    assert me["totp_enrolled"] is True
    # Enrolling again is refused while enrolled: the secret cannot be swapped silently.
    assert client.post(ENROL).status_code == 409


def test_secrets_and_recovery_codes_are_not_stored_in_the_clear(app, new_therapist):
    client = new_client(app)
    sign_in(client, new_therapist)
    secret, codes = enrol(client)
    stored = db.session.get(User, new_therapist.id)
    db.session.refresh(stored)
    assert secret.encode() not in stored.totp_secret_ciphertext
    hashes = db.session.scalars(
        select(RecoveryCode.code_hash).where(RecoveryCode.user_id == new_therapist.id)
    ).all()
    assert len(hashes) == 10
    assert not {code.replace("-", "") for code in codes} & set(hashes)


def test_confirming_ends_sessions_started_with_the_password_alone(app, new_therapist):
    intruder = new_client(app)
    assert sign_in(intruder, new_therapist).status_code == 200  # limited, but alive
    owner = new_client(app)
    sign_in(owner, new_therapist)
    enrol(owner)
    assert intruder.get("/api/v1/auth/me").status_code == 401
    assert owner.get("/api/v1/me/settings").status_code == 200


def test_the_enrolment_limit_applies_to_bearer_tokens_too(app, new_therapist):
    mobile = app.test_client()
    created = mobile.post(
        "/api/v1/auth/tokens", json={"email": new_therapist.email, "password": factories.PASSWORD}
    )
    assert created.status_code == 201
    headers = {"Authorization": f"Bearer {created.get_json()['token']}"}
    refused = mobile.get("/api/v1/me/settings", headers=headers)
    assert refused.status_code == 403 and refused.get_json()["type"] == ENROLMENT_REQUIRED
    secret = mobile.post(ENROL, headers=headers).get_json()["secret"]
    confirmed = mobile.post(CONFIRM, json={"code": pyotp.TOTP(secret).now()}, headers=headers)
    assert confirmed.status_code == 200 and confirmed.get_json()["csrf_token"] is None
    # The token that enrolled keeps working, now without limits.
    assert mobile.get("/api/v1/me/settings", headers=headers).status_code == 200


@pytest.mark.parametrize("role", ["therapist", "admin"])
def test_enrolled_staff_must_give_the_current_code(app, clinic, role):
    staff = factories.user(clinic, role)
    client = new_client(app)
    unknown = client.post(
        LOGIN, json={"email": "nobody@clinic.test", "password": "not the password!"}
    )
    missing = sign_in(client, staff)
    now = datetime.now(UTC)
    stale = sign_in(
        client, staff, totp=code_at(factories.STAFF_TOTP_SECRET, now - timedelta(minutes=5))
    )
    for refused in (missing, stale):
        assert refused.status_code == 401
        # The same answer as for an unknown account: it never confirms the password.
        assert refused.get_json() == unknown.get_json()
    assert client.get("/api/v1/auth/me").status_code == 401
    ok = sign_in(client, staff, totp=code_at(factories.STAFF_TOTP_SECRET, now))
    assert ok.status_code == 200
    assert ok.get_json()["totp_enrolled"] is True and ok.get_json()["totp_required"] is True


def test_a_code_works_once(app, clinic):
    staff = factories.user(clinic, "therapist")
    now = datetime.now(UTC)
    code = code_at(factories.STAFF_TOTP_SECRET, now)
    assert sign_in(new_client(app), staff, totp=code).status_code == 200
    # Replayed (say, by a phishing proxy that saw it) within its 30 seconds: refused.
    assert sign_in(new_client(app), staff, totp=code).status_code == 401
    # An older code, still inside the clock-drift window, is refused too.
    earlier = code_at(factories.STAFF_TOTP_SECRET, now - timedelta(seconds=30))
    if earlier != code:
        assert sign_in(new_client(app), staff, totp=earlier).status_code == 401
    # The next step's code is still good (a phone clock a little fast).
    later = code_at(factories.STAFF_TOTP_SECRET, now + timedelta(seconds=30))
    if later != code:
        assert sign_in(new_client(app), staff, totp=later).status_code == 200


def test_a_recovery_code_signs_in_once(app, new_therapist):
    client = new_client(app)
    sign_in(client, new_therapist)
    _, codes = enrol(client)
    first = sign_in(new_client(app), new_therapist, totp=codes[0].lower().replace("-", ""))
    assert first.status_code == 200
    assert sign_in(new_client(app), new_therapist, totp=codes[0]).status_code == 401
    assert sign_in(new_client(app), new_therapist, totp=codes[1]).status_code == 200
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == new_therapist.id)
    ).all()
    assert actions.count("recovery_code_used") == 2


def test_wrong_codes_are_in_the_audit_log_with_whose_password_was_right(app, clinic):
    staff = factories.user(clinic, "admin")
    sign_in(new_client(app), staff)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login_failed_totp"))
    assert event.actor_id == staff.id and event.clinic_id == clinic.id


def test_patients_may_sign_in_without_totp_and_may_opt_in(app, patient):
    client = new_client(app)
    response = sign_in(client, patient)
    assert response.status_code == 200
    assert response.get_json()["totp_required"] is False
    assert response.get_json()["totp_enrolled"] is False
    assert client.get("/api/v1/me/settings").status_code == 200
    secret, _ = enrol(client)
    assert sign_in(new_client(app), patient).status_code == 401
    later = code_at(secret, datetime.now(UTC) + timedelta(seconds=30))
    assert sign_in(new_client(app), patient, totp=later).status_code == 200


def test_turning_totp_off_needs_the_password_and_a_code(app, patient):
    client = new_client(app)
    sign_in(client, patient)
    _, codes = enrol(client)
    wrong = client.post(DISABLE, json={"password": "not my password!", "code": codes[0]})
    assert wrong.status_code == 422 and "password" in wrong.get_json()["errors"]
    no_code = client.post(DISABLE, json={"password": factories.PASSWORD, "code": "123456"})
    assert no_code.status_code == 422 and "code" in no_code.get_json()["errors"]
    off = client.post(DISABLE, json={"password": factories.PASSWORD, "code": codes[0]})
    assert off.status_code == 204
    assert sign_in(new_client(app), patient).status_code == 200
    assert db.session.scalars(select(RecoveryCode)).all() == []


def test_staff_who_turn_totp_off_are_limited_until_they_enrol_again(app, clinic):
    staff = factories.user(clinic, "therapist")
    client = new_client(app)
    sign_in(client, staff, totp=factories.totp_code(staff))
    later = code_at(factories.STAFF_TOTP_SECRET, datetime.now(UTC) + timedelta(seconds=30))
    off = client.post(DISABLE, json={"password": factories.PASSWORD, "code": later})
    assert off.status_code == 204
    client.environ_base["HTTP_X_CSRF_TOKEN"] = client.get("/api/v1/auth/me").get_json()[
        "csrf_token"
    ]
    refused = client.get("/api/v1/me/settings")
    assert refused.status_code == 403 and refused.get_json()["type"] == ENROLMENT_REQUIRED


def test_flask_user_create_enrols_staff_and_prints_the_uri(app, runner, clinic):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--clinic",
            str(clinic.id),
            "--role",
            "therapist",
            "--email",
            "new.therapist@clinic.test",
            "--password-stdin",
        ],
        input="a therapist's long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    uri = re.search(r"otpauth://\S+", result.output).group(0)
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    user = db.session.get(User, uuid.UUID(result.output.strip().splitlines()[-1]))
    assert user.totp_enrolled
    client = new_client(app)
    body = {"email": user.email, "password": "a therapist's long passphrase"}
    assert client.post(LOGIN, json=body).status_code == 401
    ok = client.post(LOGIN, json={**body, "totp": pyotp.TOTP(secret).now()})
    assert ok.status_code == 200
    # Recovery codes were printed too, and work.
    recovery = re.findall(r"\b[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}\b", result.output)
    assert len(recovery) == 10
    assert new_client(app).post(LOGIN, json={**body, "totp": recovery[0]}).status_code == 200


def test_flask_user_create_leaves_patients_without_totp(runner, clinic, therapist):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--clinic",
            str(clinic.id),
            "--role",
            "patient",
            "--email",
            "p2@clinic.test",
            "--therapist",
            therapist.email,
            "--password-stdin",
        ],
        input="a patient's long passphrase\n",
    )
    assert result.exit_code == 0 and "otpauth://" not in result.output


def test_key_rotation_re_encrypts_totp_secrets_and_sign_in_still_works(app, runner, clinic):
    from server.crypto import Keyring
    from server.secrets import new_encryption_key

    staff = factories.user(clinic, "therapist")
    before = db.session.get(User, staff.id).totp_secret_ciphertext
    original, ring = app.config["ENCRYPTION_KEYS"], app.extensions["between.keyring"]
    new_key = new_encryption_key()
    try:
        app.config["ENCRYPTION_KEYS"] = f"{new_key},{original}"
        app.extensions["between.keyring"] = Keyring(app.config["ENCRYPTION_KEYS"])
        result = runner.invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "users.totp_secret: 1 re-encrypted" in result.output
        assert factories.STAFF_TOTP_SECRET not in result.output
        # The old key is gone; the secret still opens, and the staff member signs in.
        app.config["ENCRYPTION_KEYS"] = new_key
        app.extensions["between.keyring"] = Keyring(new_key)
        stored = db.session.scalar(
            select(User).where(User.id == staff.id).execution_options(populate_existing=True)
        )
        assert stored.totp_secret_ciphertext != before
        assert sign_in(new_client(app), staff, totp=factories.totp_code(staff)).status_code == 200
    finally:
        app.config["ENCRYPTION_KEYS"], app.extensions["between.keyring"] = original, ring


def test_a_therapist_who_accepts_an_invitation_is_asked_to_enrol(app, as_user, clinic):
    admin = factories.user(clinic, "admin")
    invite = as_user(admin).post(
        "/api/v1/invites", json={"email": "invited.therapist@clinic.test", "role": "therapist"}
    )
    token = invite.get_json()["token"]
    newcomer = new_client(app)
    accepted = newcomer.post(
        f"/api/v1/invites/{token}/accept", json={"password": "a therapist's own passphrase"}
    )
    assert accepted.status_code == 201
    assert accepted.get_json()["totp_required"] is True
    assert accepted.get_json()["totp_enrolled"] is False
    newcomer.environ_base["HTTP_X_CSRF_TOKEN"] = accepted.get_json()["csrf_token"]
    refused = newcomer.get("/api/v1/me/settings")
    assert refused.status_code == 403 and refused.get_json()["type"] == ENROLMENT_REQUIRED
    enrol(newcomer)
    assert newcomer.get("/api/v1/me/settings").status_code == 200
