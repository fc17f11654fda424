"""The privacy routes act on the caller's own account, never on another's.

Who may call them is in tests/test_authorization_matrix.py (patients only).
Here: another patient who calls them reaches only their own data, even when
sending a password the patient's account shares.
"""

import pytest
from sqlalchemy import func, select

from server.auth.models import User
from server.auth.passwords import hash_password
from server.extensions import db
from server.journal.models import CheckIn
from tests import factories


def _patients_checkins(patient) -> int:
    return db.session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.patient_id == patient.id)
    )


@pytest.mark.parametrize("method", ["GET", "DELETE"])
@pytest.mark.parametrize("caller", ["the patient", "another patient"])
def test_each_patient_reaches_only_their_own_account(
    as_user, clinic, therapist, patient, method, caller
):
    factories.checkin(patient, note="only the patient wrote this")
    me = patient
    if caller == "another patient":
        me = factories.user(clinic, "patient", therapist=therapist)
    path = "/api/v1/me/export" if method == "GET" else "/api/v1/me"
    # Every factory user shares one password: a caller sending it could only
    # ever delete their own account, never the patient's.
    body = {"password": factories.PASSWORD} if method == "DELETE" else None
    response = as_user(me).open(path, method=method, json=body)
    assert response.status_code < 400, response.get_json()
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


def as_user_with(app, user, password):
    """A signed-in client for `user`, who has a password of their own."""
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    response = client.post("/api/v1/auth/login", json={"email": user.email, "password": password})
    assert response.status_code == 200, response.get_json()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = response.get_json()["csrf_token"]
    return client
