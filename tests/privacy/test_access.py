"""Who may use the privacy routes: every route against every kind of caller.

Both routes act on the caller's own account, so no one can name another
person's: staff are refused (403), no one signed in is 401, and another
patient reaches only their own data. A route of this feature missing from
the matrix fails the last test.
"""

import pytest
from sqlalchemy import func, select

from server.auth.models import User
from server.auth.passwords import hash_password
from server.extensions import db
from server.journal.models import CheckIn
from tests import factories

CALLERS = (
    "anonymous",
    "the patient",
    "another patient",
    "care-team therapist",
    "another therapist",
    "other clinic's therapist",
    "admin",
)
OWN = {
    "anonymous": 401,
    "the patient": "own",
    "another patient": "own",
    "care-team therapist": 403,
    "another therapist": 403,
    "other clinic's therapist": 403,
    "admin": 403,
}
MATRIX = {("GET", "/me/export"): OWN, ("DELETE", "/me"): OWN}


@pytest.fixture
def people(clinic, therapist, patient):
    elsewhere = factories.clinic()
    factories.checkin(patient, note="only the patient wrote this")
    return {
        "the patient": patient,
        "another patient": factories.user(clinic, "patient", therapist=therapist),
        "care-team therapist": therapist,
        "another therapist": factories.user(clinic, "therapist"),
        "other clinic's therapist": factories.user(elsewhere, "therapist"),
        "admin": factories.user(clinic, "admin"),
    }


def _client(app, as_user, people, caller):
    if caller == "anonymous":
        client = app.test_client()
        client.environ_base["HTTP_ORIGIN"] = "http://localhost"
        return client
    return as_user(people[caller])


def _patients_checkins(patient) -> int:
    return db.session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.patient_id == patient.id)
    )


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
@pytest.mark.parametrize("caller", CALLERS)
def test_access(app, as_user, people, patient, method, path, caller):
    expected = MATRIX[(method, path)][caller]
    client = _client(app, as_user, people, caller)
    # Every factory user shares one password: a caller sending it could only
    # ever delete their own account, never the patient's.
    body = {"password": factories.PASSWORD} if method == "DELETE" else None
    response = client.open("/api/v1" + path, method=method, json=body)
    if expected != "own":
        assert response.status_code == expected, response.get_json()
        assert response.mimetype == "application/problem+json"
        assert _patients_checkins(patient) == 1
        return
    assert response.status_code < 400, response.get_json()
    me = people[caller]
    if method == "GET":
        assert response.get_json()["profile"]["id"] == str(me.id)
        mine = "only the patient wrote this" in response.get_data(as_text=True)
        assert mine == (me is patient)
    else:
        assert _patients_checkins(patient) == (0 if me is patient else 1)


def test_another_patient_cannot_delete_the_patient_with_the_patients_password(
    app, as_user, clinic, therapist, patient
):
    other = factories.user(clinic, "patient", therapist=therapist)
    factories.checkin(patient)
    # Even knowing the patient's password, the other patient can only name
    # their own account; a different password of theirs is simply wrong.
    other.password_hash = hash_password("the other patient's own passphrase")
    db.session.commit()
    client = as_user_with(app, other, "the other patient's own passphrase")
    response = client.delete("/api/v1/me", json={"password": factories.PASSWORD})
    assert response.status_code == 422 and "password" in response.get_json()["errors"]
    assert _patients_checkins(patient) == 1
    assert db.session.get(User, other.id) is not None


def test_every_privacy_route_is_in_the_matrix(app):
    routes = {
        (method, rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("privacy.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(MATRIX)


def as_user_with(app, user, password):
    """A signed-in client for `user`, who has a password of their own."""
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    response = client.post("/api/v1/auth/login", json={"email": user.email, "password": password})
    assert response.status_code == 200, response.get_json()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = response.get_json()["csrf_token"]
    return client
