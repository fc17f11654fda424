"""The device secret the patient app seals drafts and its outbox under (issue 15.12)."""

import base64
import logging

import pytest

from server.auth import device
from server.auth.models import User
from server.crypto import Keyring
from server.extensions import db
from server.secrets import new_encryption_key
from tests import factories

ROUTE = "/api/v1/me/device-key"


def secret_of(client):
    response = client.get(ROUTE)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()["key"]


def test_the_patient_gets_one_secret_that_stays_the_same_across_sign_ins(
    as_user, patient, clinic, therapist
):
    first = secret_of(as_user(patient))
    assert len(base64.urlsafe_b64decode(first + "=")) == 32
    # A new sign-in (the session ended meanwhile) gets the same secret: what
    # the phone sealed before can be opened again.
    assert secret_of(as_user(patient)) == first
    other = factories.user(clinic, "patient", therapist=therapist)
    assert secret_of(as_user(other)) != first


def test_staff_and_strangers_get_no_secret(as_user, client, therapist):
    assert client.get(ROUTE).status_code == 401
    refused = as_user(therapist).get(ROUTE)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert "key" not in refused.get_json()


def test_the_secret_is_encrypted_at_rest_and_never_logged(as_user, patient, caplog):
    caplog.set_level(logging.DEBUG)
    secret = secret_of(as_user(patient))
    stored = db.session.get(User, patient.id).device_secret_ciphertext
    assert secret.encode() not in stored
    assert base64.urlsafe_b64decode(secret + "=") not in stored
    assert not [record for record in caplog.records if secret in record.getMessage()]


def test_two_first_requests_at_once_agree_on_one_secret(app, as_user, patient):
    stale = db.session.get(User, patient.id)
    assert stale.device_secret_ciphertext is None
    # Another request made the secret after this one had read the row.
    first = secret_of(as_user(patient))
    assert device.device_secret(stale) == first


@pytest.fixture
def new_key_only(app):
    """`new_key_only(key)` makes `key` the only configured key; the old ring comes back after."""
    ring, encoded = app.extensions["between.keyring"], app.config["ENCRYPTION_KEYS"]

    def use(value):
        app.config["ENCRYPTION_KEYS"] = value
        app.extensions["between.keyring"] = Keyring(value)

    yield use
    app.config["ENCRYPTION_KEYS"] = encoded
    app.extensions["between.keyring"] = ring


def test_a_key_rotation_keeps_the_secret_so_the_phone_still_opens_what_it_sealed(
    app, runner, as_user, patient, new_key_only
):
    client = as_user(patient)
    before = secret_of(client)
    new_key = new_encryption_key()
    new_key_only(f"{new_key},{app.config['ENCRYPTION_KEYS']}")
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0 and "users.device_secret: 1 re-encrypted" in result.output
    assert before not in result.output
    new_key_only(new_key)  # the old key is gone
    db.session.expire_all()
    assert secret_of(client) == before
