"""The operator's commands: clinics, users, demo data."""

import uuid

from sqlalchemy import func, select

from server.auth.models import User
from server.auth.passwords import verify_password
from server.clinics.models import CareTeamMember, Clinic
from server.extensions import db


def test_clinic_create_prints_its_id(runner):
    result = runner.invoke(args=["clinic", "create", "Harbour Clinic"])
    assert result.exit_code == 0, result.output
    clinic = db.session.get(Clinic, uuid.UUID(result.output.strip()))
    assert clinic.name == "Harbour Clinic"


def test_user_create_reads_the_password_from_stdin(runner, clinic, therapist):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--clinic",
            str(clinic.id),
            "--role",
            "patient",
            "--email",
            "Kim@Clinic.test",
            "--therapist",
            therapist.email,
            "--password-stdin",
        ],
        input="kim's long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.get(User, uuid.UUID(result.output.strip().splitlines()[-1]))
    assert user.email == "kim@clinic.test"
    assert verify_password(user.password_hash, "kim's long passphrase")
    assert db.session.get(CareTeamMember, (user.id, therapist.id)) is not None


def test_user_create_refuses_a_weak_password(runner, clinic):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--clinic",
            str(clinic.id),
            "--role",
            "therapist",
            "--email",
            "t@clinic.test",
            "--password-stdin",
        ],
        input="short\n",
    )
    assert result.exit_code != 0
    assert "12 characters" in result.output
    assert db.session.scalar(select(User).where(User.email == "t@clinic.test")) is None


def test_demo_seed_is_idempotent_and_prints_logins(runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "therapist@demo.between.test" in first.output
    users = db.session.scalar(select(func.count(User.id)))
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0 and "already present" in second.output
    assert db.session.scalar(select(func.count(User.id))) == users
    assert db.session.scalar(select(func.count(Clinic.id))) == 1


def test_demo_logins_work_through_the_api(runner, client):
    import pyotp

    from server.demo.seed import DEMO_TOTP_SECRET

    output = runner.invoke(args=["demo", "seed"]).output
    assert DEMO_TOTP_SECRET in output  # printed with the logins
    for email, password, code in (
        ("therapist@demo.between.test", "steady-river-demo", pyotp.TOTP(DEMO_TOTP_SECRET).now()),
        ("alex@demo.between.test", "gentle-morning-demo", None),
    ):
        response = client.post(
            "/api/v1/auth/login", json={"email": email, "password": password, "totp": code}
        )
        assert response.status_code == 200, response.get_json()
        client.post(
            "/api/v1/auth/logout", headers={"X-CSRF-Token": response.get_json()["csrf_token"]}
        )
