"""The operator's commands: clinics, users, demo data."""

import uuid

from sqlalchemy import func, select

from server.auth.models import CareTeamMember, User
from server.auth.passwords import verify_password
from server.clinics.models import Clinic
from server.extensions import db


def test_clinic_create_prints_its_id(runner):
    result = runner.invoke(args=["clinic", "create", "Harbour Clinic"])
    assert result.exit_code == 0, result.output
    clinic = db.session.get(Clinic, uuid.UUID(result.output.strip()))
    assert clinic.name == "Harbour Clinic"
    assert clinic.country == "US"


def test_clinic_create_takes_a_country_phone_and_hours(runner):
    args = ["clinic", "create", "Quay Clinic", "--country", "nz", "--phone", "09 300 0000"]
    result = runner.invoke(args=[*args, "--phone-hours", "Mon-Fri 8:30-17:00"])
    assert result.exit_code == 0, result.output
    clinic = db.session.get(Clinic, uuid.UUID(result.output.strip()))
    assert (clinic.country, clinic.phone, clinic.phone_hours) == (
        "NZ",
        "09 300 0000",
        "Mon-Fri 8:30-17:00",
    )
    refused = runner.invoke(args=["clinic", "create", "Nowhere", "--country", "UK"])
    assert refused.exit_code != 0 and "not a country code" in refused.output
    assert (
        db.session.scalar(select(func.count()).select_from(Clinic).where(Clinic.name == "Nowhere"))
        == 0
    )


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


def test_demo_seed_is_idempotent_and_its_printed_logins_work(runner, client):
    import pyotp

    from server.demo.seed import DEMO_TOTP_SECRET

    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "therapist@demo.between.test" in first.output
    assert DEMO_TOTP_SECRET in first.output  # printed with the logins
    users = db.session.scalar(select(func.count(User.id)))
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0 and "already present" in second.output
    assert db.session.scalar(select(func.count(User.id))) == users
    assert db.session.scalar(select(func.count(Clinic.id))) == 1
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


def test_demo_seed_tells_a_believable_ninety_day_story(runner, app):
    from tests.conftest import ORIGIN, Auth

    assert runner.invoke(args=["demo", "seed"]).exit_code == 0

    def signed_in(email, password):
        client = app.test_client()
        client.environ_base["HTTP_ORIGIN"] = ORIGIN
        Auth(client).login(db.session.scalar(select(User).where(User.email == email)), password)
        return client

    alex = signed_in("alex@demo.between.test", "gentle-morning-demo")
    checkins, cursor = [], None
    while True:
        page = alex.get("/api/v1/checkins", query_string={"limit": 200, "cursor": cursor})
        checkins += page.get_json()["items"]
        cursor = page.get_json()["next_cursor"]
        if not cursor:
            break
    assert len(checkins) >= 60
    assert any(item["note"] for item in checkins)
    assert alex.get("/api/v1/entries").get_json()["items"]
    history = alex.get("/api/v1/measures/responses", query_string={"instrument": "phq9"})
    assert any(item["markers"]["response"] for item in history.get_json()["items"])

    therapist = signed_in("therapist@demo.between.test", "steady-river-demo")
    caseload = therapist.get("/api/v1/patients").get_json()["items"]
    assert {row["display_name"] for row in caseload} == {
        "Alex Moreno",
        "Sam Whitfield",
        "Jordan Reyes",
    }
    jordan = next(row for row in caseload if row["display_name"] == "Jordan Reyes")
    assert jordan["urgent_flag_count"] >= 1
    assert caseload[0]["display_name"] == "Jordan Reyes"  # who needs attention comes first


def test_user_reset_totp_gives_a_lone_admin_a_new_authenticator(runner, as_user, clinic):
    import re

    import pyotp

    from server.audit.models import AuditEvent
    from tests import factories

    admin = factories.user(clinic, "admin")
    admin_id, clinic_id = admin.id, clinic.id
    client = as_user(admin)
    assert client.get("/api/v1/auth/me").status_code == 200
    old_secret = admin.totp_secret

    result = runner.invoke(args=["user", "reset-totp", admin.email.upper()])
    assert result.exit_code == 0, result.output
    uri = re.search(r"otpauth://\S+", result.output).group(0)
    new_secret = pyotp.parse_uri(uri).secret
    admin = db.session.get(User, admin_id, populate_existing=True)
    assert admin.totp_secret == new_secret != old_secret
    assert len(re.findall(r"^  \S+$", result.output, re.M)) >= 8  # fresh recovery codes
    # The old phone's sessions are over, and the reset is on the record.
    assert client.get("/api/v1/auth/me").status_code == 401
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "totp_reset"))
    assert event.object_id == admin_id and event.clinic_id == clinic_id


def test_user_reset_totp_names_no_one_unknown(runner):
    result = runner.invoke(args=["user", "reset-totp", "nobody@clinic.test"])
    assert result.exit_code != 0 and "no account" in result.output
