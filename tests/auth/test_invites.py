"""Invitations: single use, expiring, stored hashed, by the right people."""

from datetime import timedelta

from sqlalchemy import select

from server.auth.models import CareTeamMember, Invite, User
from server.db import utcnow
from server.extensions import db
from tests import factories


def invite(client, **body):
    return client.post("/api/v1/invites", json={"email": "new.patient@clinic.test", **body})


def test_therapist_invites_a_patient_who_joins_their_care_team(app, as_user, therapist):
    created = invite(as_user(therapist), display_name="New Patient")
    assert created.status_code == 201
    token = created.get_json()["token"]
    assert token in created.get_json()["accept_url"]
    stored = db.session.scalar(select(Invite))
    assert stored.token_hash != token and token not in stored.token_hash

    newcomer = app.test_client()
    newcomer.environ_base["HTTP_ORIGIN"] = "http://localhost"
    info = newcomer.get(f"/api/v1/invites/{token}").get_json()
    assert info["email"] == "new.patient@clinic.test" and info["role"] == "patient"
    accepted = newcomer.post(
        f"/api/v1/invites/{token}/accept",
        json={
            "password": "my own long passphrase",
            "time_zone": "Europe/Berlin",
            "share_by_default": False,
        },
    )
    assert accepted.status_code == 201
    me = newcomer.get("/api/v1/auth/me").get_json()
    assert me["role"] == "patient" and me["share_by_default"] is False
    assert me["time_zone"] == "Europe/Berlin" and me["display_name"] == "New Patient"
    patient = db.session.scalar(select(User).where(User.email == "new.patient@clinic.test"))
    assert db.session.get(CareTeamMember, (patient.id, therapist.id)) is not None


def test_an_invite_works_once(app, as_user, therapist):
    token = invite(as_user(therapist)).get_json()["token"]
    newcomer = app.test_client()
    newcomer.environ_base["HTTP_ORIGIN"] = "http://localhost"
    body = {"password": "my own long passphrase"}
    assert newcomer.post(f"/api/v1/invites/{token}/accept", json=body).status_code == 201
    someone_else = app.test_client()
    again = someone_else.post(f"/api/v1/invites/{token}/accept", json=body)
    assert again.status_code == 410


def test_an_expired_invite_is_refused(app, as_user, therapist):
    token = invite(as_user(therapist)).get_json()["token"]
    db.session.scalar(select(Invite)).expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = app.test_client().post(
        f"/api/v1/invites/{token}/accept",
        json={"password": "my own long passphrase"},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 410
    assert db.session.scalar(select(User).where(User.email == "new.patient@clinic.test")) is None


def test_unknown_invite_token_is_404(client):
    assert client.get("/api/v1/invites/not-a-token").status_code == 404


def test_a_weak_password_at_acceptance_keeps_the_invite_usable(app, as_user, therapist):
    token = invite(as_user(therapist)).get_json()["token"]
    newcomer = app.test_client()
    newcomer.environ_base["HTTP_ORIGIN"] = "http://localhost"
    weak = newcomer.post(f"/api/v1/invites/{token}/accept", json={"password": "short"})
    assert weak.status_code == 422 and "password" in weak.get_json()["errors"]
    assert (
        newcomer.post(
            f"/api/v1/invites/{token}/accept", json={"password": "my own long passphrase"}
        ).status_code
        == 201
    )


def test_who_may_invite_whom(as_user, clinic, therapist, patient):
    admin = factories.user(clinic, "admin")
    assert invite(as_user(therapist), role="therapist").status_code == 403
    assert invite(as_user(patient)).status_code == 403
    assert (
        invite(as_user(admin), email="new.therapist@clinic.test", role="therapist").status_code
        == 201
    )
    needs_therapist = invite(as_user(admin))
    assert needs_therapist.status_code == 422
    assert "therapist_id" in needs_therapist.get_json()["errors"]
    assert invite(as_user(admin), therapist_id=str(therapist.id)).status_code == 201


def test_admin_cannot_attach_a_patient_to_another_clinics_therapist(as_user, clinic):
    admin = factories.user(clinic, "admin")
    elsewhere = factories.user(factories.clinic(), "therapist")
    response = invite(as_user(admin), therapist_id=str(elsewhere.id))
    assert response.status_code == 404


def test_inviting_an_existing_account_is_a_conflict(as_user, therapist, patient):
    assert invite(as_user(therapist), email=patient.email).status_code == 409


def test_the_accept_link_opens_the_app_the_invited_person_will_use(as_user, clinic, therapist):
    admin = factories.user(clinic, "admin")
    staff = invite(as_user(admin), email="new.therapist@clinic.test", role="therapist")
    token = staff.get_json()["token"]
    assert staff.get_json()["accept_url"] == (
        f"http://localhost/therapist/index.html#/invite/{token}"
    )
    patient = invite(as_user(therapist)).get_json()
    assert patient["accept_url"] == f"http://localhost/#/invite/{patient['token']}"


def test_inviting_someone_of_another_clinic_answers_like_any_invite(app, as_user, therapist):
    """The inviter learns nothing about other clinics; the invitee is told at acceptance."""
    elsewhere = factories.user(factories.clinic(), "patient", email="taken@elsewhere.test")
    client = as_user(therapist)
    fresh = invite(client, email="free@elsewhere.test")
    taken = invite(client, email=elsewhere.email)
    assert taken.status_code == fresh.status_code == 201
    assert set(taken.get_json()) == set(fresh.get_json())
    assert sorted(taken.headers.keys()) == sorted(fresh.headers.keys())

    newcomer = app.test_client()
    newcomer.environ_base["HTTP_ORIGIN"] = "http://localhost"
    token = taken.get_json()["token"]
    assert newcomer.get(f"/api/v1/invites/{token}").status_code == 200
    accepted = newcomer.post(
        f"/api/v1/invites/{token}/accept", json={"password": "my own long passphrase"}
    )
    assert accepted.status_code == 409
    assert accepted.get_json()["type"] == "/problems/account-exists"
    assert "already has a Between account" in accepted.get_json()["detail"]
    # Their account is untouched: still in their own clinic, not on this care team.
    db.session.expire_all()
    assert db.session.get(User, elsewhere.id).clinic_id == elsewhere.clinic_id
    assert db.session.get(CareTeamMember, (elsewhere.id, therapist.id)) is None
