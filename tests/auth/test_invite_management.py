"""Pending invitations: listed without their tokens, revoked, re-issued with a new link."""

from tests import factories

INVITES = "/api/v1/invites"


def _invite(client, email):
    response = client.post(INVITES, json={"email": email, "role": "patient"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _anonymous(app):
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    return client


def test_a_therapist_lists_their_own_pending_invitations_without_tokens(
    app, as_user, clinic, therapist
):
    colleague = factories.user(clinic, "therapist")
    mine = _invite(as_user(therapist), "mine@clinic.test")
    _invite(as_user(colleague), "theirs@clinic.test")
    accepted = _invite(as_user(therapist), "joined@clinic.test")
    joined = _anonymous(app).post(
        f"{INVITES}/{accepted['token']}/accept",
        json={"password": "my own long passphrase", "time_zone": "UTC", "share_by_default": True},
    )
    assert joined.status_code == 201

    response = as_user(therapist).get(INVITES)
    assert response.status_code == 200
    (row,) = response.get_json()["items"]
    assert row["id"] == mine["id"] and row["email"] == "mine@clinic.test"
    assert row["role"] == "patient"
    assert row["expires_at"] == mine["expires_at"] and row["created_at"]
    text = response.get_data(as_text=True)
    assert mine["token"] not in text and "token" not in text and "accept_url" not in text


def test_an_admin_sees_every_pending_invitation_of_their_clinic_only(as_user, clinic, therapist):
    colleague = factories.user(clinic, "therapist")
    admin = factories.user(clinic, "admin")
    _invite(as_user(therapist), "a@clinic.test")
    _invite(as_user(colleague), "b@clinic.test")
    _invite(as_user(factories.user(factories.clinic(), "therapist")), "c@elsewhere.test")
    emails = {row["email"] for row in as_user(admin).get(INVITES).get_json()["items"]}
    assert emails == {"a@clinic.test", "b@clinic.test"}


def test_a_revoked_invitation_link_stops_working(app, as_user, therapist):
    client = as_user(therapist)
    made = _invite(client, "revoke@clinic.test")
    assert client.delete(f"{INVITES}/{made['id']}").status_code == 204
    assert _anonymous(app).get(f"{INVITES}/{made['token']}").status_code == 404
    assert client.get(INVITES).get_json()["items"] == []
    assert client.delete(f"{INVITES}/{made['id']}").status_code == 404


def test_a_reissued_invitation_has_a_new_link_and_the_old_one_is_dead(app, as_user, therapist):
    client = as_user(therapist)
    made = _invite(client, "again@clinic.test")
    response = client.post(f"{INVITES}/{made['id']}/reissue")
    assert response.status_code == 200
    again = response.get_json()
    assert again["id"] == made["id"] and again["token"] != made["token"]
    assert again["token"] in again["accept_url"]
    newcomer = _anonymous(app)
    assert newcomer.get(f"{INVITES}/{made['token']}").status_code == 404
    assert newcomer.get(f"{INVITES}/{again['token']}").get_json()["email"] == "again@clinic.test"


def test_another_therapists_invitation_cannot_be_revoked_or_reissued(as_user, clinic, therapist):
    made = _invite(as_user(therapist), "keep@clinic.test")
    colleague = as_user(factories.user(clinic, "therapist"))
    assert colleague.delete(f"{INVITES}/{made['id']}").status_code == 404
    assert colleague.post(f"{INVITES}/{made['id']}/reissue").status_code == 404
    assert len(as_user(therapist).get(INVITES).get_json()["items"]) == 1
