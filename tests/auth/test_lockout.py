"""Lockout without denial of service, and failed sign-ins an admin can see.

A guesser from many addresses must not keep a person out (issue 15.7): the
budgets are per address and per account-and-address, with a slower backstop
per account that only a right password with a valid code passes. Every
refused sign-in at a real account is audited against that account and its
clinic, refusals by the limit too (15.5); the limiter logs no email (15.6).
"""

import logging

from sqlalchemy import select

from server.audit.models import AuditEvent
from server.extensions import db
from tests import factories

LOGIN = "/api/v1/auth/login"
WRONG = "not the password at all"


def client_at(app, address):
    client = app.test_client()
    client.environ_base.update(HTTP_ORIGIN="http://localhost", REMOTE_ADDR=address)
    return client


def attempt(app, address, email, password=WRONG, **extra):
    return client_at(app, address).post(LOGIN, json={"email": email, "password": password, **extra})


def guess_from_many_addresses(app, email, count):
    for number in range(count):
        response = attempt(app, f"198.51.100.{number}", email)
        assert response.status_code == 401, response.get_json()


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_a_guesser_from_many_addresses_does_not_keep_the_patient_out(app, patient):
    guess_from_many_addresses(app, patient.email, 30)
    response = attempt(app, "192.0.2.10", patient.email, factories.PASSWORD)
    assert response.status_code == 200, response.get_json()


def test_past_the_backstop_only_a_password_with_a_valid_code_gets_in(
    app, clinic, therapist, patient, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", "20 per day")
    guess_from_many_addresses(app, therapist.email, 20)
    guess_from_many_addresses(app, patient.email, 20)
    home = "192.0.2.20"
    # Wrong guesses are now refused unchecked, from any new address...
    assert attempt(app, "203.0.113.5", therapist.email).status_code == 429
    # ...and the right password alone does not pass either (it cannot be told apart)...
    assert attempt(app, home, therapist.email, factories.PASSWORD).status_code == 429
    assert attempt(app, home, patient.email, factories.PASSWORD).status_code == 429
    # ...but with a current code the therapist is in: the guesser cannot keep them out.
    code = factories.totp_code(therapist)
    signed_in = attempt(app, home, therapist.email, factories.PASSWORD, totp=code)
    assert signed_in.status_code == 200, signed_in.get_json()


def test_failed_sign_ins_are_audited_against_the_account_and_its_clinic(app, clinic, patient):
    for _ in range(11):
        attempt(app, "192.0.2.30", patient.email)
    attempt(app, "192.0.2.31", "nobody@clinic.test")
    failed = events("login_failed")
    known = [e for e in failed if e.object_id == patient.id]
    assert len(known) == 10
    assert {(e.clinic_id, e.object_type, e.actor_id) for e in known} == {(clinic.id, "user", None)}
    assert {e.ip_address for e in known} == {"192.0.2.30"}
    unknown = [e for e in failed if e.object_id is None]
    assert len(unknown) == 1 and unknown[0].clinic_id is None
    # The attempt the limit refused is counted too, against the same account.
    throttled = events("login_throttled")
    assert [(e.object_id, e.clinic_id) for e in throttled] == [(patient.id, clinic.id)]
    # The clinic's admin sees them in the log.
    admin = factories.user(clinic, "admin")
    client = client_at(app, "192.0.2.32")
    client.post(
        LOGIN,
        json={
            "email": admin.email,
            "password": factories.PASSWORD,
            "totp": factories.totp_code(admin),
        },
    )
    listed = client.get("/api/v1/audit", query_string={"action": "login_failed"}).get_json()
    assert len([e for e in listed["items"] if e["object_id"] == str(patient.id)]) == 10


def test_the_limiter_logs_no_email(app, patient, caplog):
    canary = "limit-canary-3b91@clinic.test"
    caplog.set_level(logging.DEBUG)
    for _ in range(12):
        attempt(app, "192.0.2.40", canary)
    for _ in range(12):
        attempt(app, "192.0.2.41", patient.email)
    assert attempt(app, "192.0.2.40", canary).status_code == 429
    lines = [record.getMessage() for record in caplog.records]
    assert not [line for line in lines if canary in line or patient.email in line]
