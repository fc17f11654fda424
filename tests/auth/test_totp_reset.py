"""Lost phone and lost recovery codes: the clinic's admin resets the second factor.

POST /api/v1/users/{id}/totp/reset deletes the user's TOTP secret and recovery
codes and ends every session and token of theirs at once; their next sign-in
with the password alone may only enrol a new authenticator (SPEC 8).
"""

import pyotp
from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.auth import services, totp
from server.auth.models import RecoveryCode, User
from server.extensions import db
from tests import factories

LOGIN = "/api/v1/auth/login"
ENROLMENT_REQUIRED = "/problems/totp-enrolment-required"


def reset_path(user) -> str:
    return f"/api/v1/users/{user.id}/totp/reset"


def stored(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def recovery_codes(user) -> int:
    return db.session.scalar(
        select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id)
    )


def resets(user) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "totp_reset", AuditEvent.object_id == user.id
            )
        )
    )


def test_an_admin_resets_a_therapist_who_must_then_enrol_again(app, as_user, clinic, therapist):
    admin = factories.user(clinic, "admin")
    totp.replace_recovery_codes(therapist)
    _token, bearer = services.issue_token(therapist, "phone")
    db.session.commit()
    old_session = as_user(therapist)
    assert recovery_codes(therapist) == 10

    response = as_user(admin).post(reset_path(therapist))
    assert response.status_code == 204, response.get_json()

    after = stored(therapist)
    assert after.totp_secret_ciphertext is None and after.totp_pending_ciphertext is None
    assert after.totp_enrolled_at is None and after.totp_last_step is None
    assert recovery_codes(therapist) == 0
    # Every session and token of theirs ended at once.
    assert old_session.get("/api/v1/auth/me").status_code == 401
    phone = app.test_client()
    assert (
        phone.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {bearer}"}).status_code
        == 401
    )
    (event,) = resets(therapist)
    assert event.actor_id == admin.id and event.actor_role == "admin"
    assert event.clinic_id == clinic.id and event.patient_id is None

    # The password alone now signs in, for enrolment only.
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    signed_in = client.post(LOGIN, json={"email": therapist.email, "password": factories.PASSWORD})
    assert signed_in.status_code == 200, signed_in.get_json()
    assert signed_in.get_json()["totp_enrolled"] is False
    client.environ_base["HTTP_X_CSRF_TOKEN"] = signed_in.get_json()["csrf_token"]
    blocked = client.get("/api/v1/patients")
    assert blocked.status_code == 403 and blocked.get_json()["type"] == ENROLMENT_REQUIRED
    started = client.post("/api/v1/auth/totp/enrol")
    assert started.status_code == 201
    secret = started.get_json()["secret"]
    assert secret != factories.STAFF_TOTP_SECRET
    confirmed = client.post("/api/v1/auth/totp/confirm", json={"code": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 200, confirmed.get_json()
    assert len(confirmed.get_json()["recovery_codes"]) == 10


def test_a_patient_who_opted_in_can_be_reset_too(as_user, clinic, patient):
    admin = factories.user(clinic, "admin")
    totp.activate(patient, pyotp.random_base32(32))
    db.session.commit()
    assert as_user(admin).post(reset_path(patient)).status_code == 204
    assert not stored(patient).totp_enrolled
    (event,) = resets(patient)
    assert event.patient_id == patient.id


def test_another_clinics_admin_gets_404_and_nothing_changes(as_user, therapist):
    stranger = factories.user(factories.clinic(), "admin")
    response = as_user(stranger).post(reset_path(therapist))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert stored(therapist).totp_enrolled
    assert resets(therapist) == []


def test_only_admins_may_reset(client, as_user, clinic, therapist, patient):
    colleague = factories.user(clinic, "therapist")
    assert client.post(reset_path(therapist)).status_code == 401
    for caller in (colleague, patient, therapist):
        response = as_user(caller).post(reset_path(therapist))
        assert response.status_code == 403, caller.role
    assert stored(therapist).totp_enrolled


def test_an_admin_cannot_reset_their_own(as_user, clinic):
    admin = factories.user(clinic, "admin")
    response = as_user(admin).post(reset_path(admin))
    # Their own goes through /auth/totp/disable, which asks for the password and a code.
    assert response.status_code == 403
    assert stored(admin).totp_enrolled


def test_resetting_someone_without_totp_is_a_conflict(as_user, clinic, patient):
    admin = factories.user(clinic, "admin")
    response = as_user(admin).post(reset_path(patient))
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert resets(patient) == []


def test_an_unknown_user_is_404(as_user, clinic):
    import uuid

    admin = factories.user(clinic, "admin")
    assert as_user(admin).post(f"/api/v1/users/{uuid.uuid4()}/totp/reset").status_code == 404
