"""`flask keys rotate`: everything re-encrypted under the newest key, nothing lost."""

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from server import create_app
from server.crypto import Keyring
from server.db import utcnow
from server.extensions import db
from server.journal.models import CheckIn, JournalEntry
from server.keycheck import encrypted_columns
from server.secrets import new_encryption_key
from tests import factories

NOTE = "The dream about the lighthouse again"
BODY = "I want to tell Sam I am sorry"


@pytest.fixture
def keys(app):
    """`keys.use("k1,k2")` swaps the app's keyring for the test; restored after."""

    class Keys:
        original = app.config["ENCRYPTION_KEYS"]

        def use(self, encoded):
            app.config["ENCRYPTION_KEYS"] = encoded
            app.extensions["between.keyring"] = Keyring(encoded)

    ring = app.extensions["between.keyring"]
    yield Keys()
    app.config["ENCRYPTION_KEYS"] = Keys.original
    app.extensions["between.keyring"] = ring


def _fresh(model, item_id):
    return db.session.scalar(
        select(model).where(model.id == item_id).execution_options(populate_existing=True)
    )


def test_every_encrypted_column_is_found():
    found = {(c.model, c.name, c.column) for c in encrypted_columns()}
    assert (CheckIn, "note", "note_ciphertext") in found
    assert (JournalEntry, "body", "body_ciphertext") in found
    for column in encrypted_columns():
        assert column.column in column.model.__table__.c


def test_rotate_then_drop_the_old_key(runner, keys, patient):
    checkins = [factories.checkin(patient, note=f"{NOTE} {n}") for n in range(3)]
    silent = factories.checkin(patient)  # no note: nothing to rotate
    entry = factories.entry(patient, body=BODY)
    before = {c.id: (c.version, c.updated_at) for c in checkins}
    new_key = new_encryption_key()
    keys.use(f"{new_key},{keys.original}")

    result = runner.invoke(args=["keys", "rotate", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "checkins.note: 3 re-encrypted" in result.output
    assert "journal_entries.body: 1 re-encrypted" in result.output
    assert NOTE not in result.output

    keys.use(new_key)  # the old key is gone
    for n, checkin in enumerate(checkins):
        stored = _fresh(CheckIn, checkin.id)
        assert stored.note == f"{NOTE} {n}"
        # A rotation is not an edit: clients' versions stay valid.
        assert (stored.version, stored.updated_at) == before[checkin.id]
    assert _fresh(JournalEntry, entry.id).body == BODY
    assert _fresh(CheckIn, silent.id).note is None

    again = runner.invoke(args=["keys", "rotate"])
    assert again.exit_code == 0 and "checkins.note: 0 re-encrypted" in again.output


def test_the_api_reads_everything_after_rotation(runner, keys, as_user, patient):
    client = as_user(patient)
    # A month ago: within the patient's account, whatever the day the test runs.
    recorded_at = (utcnow() - timedelta(days=30)).isoformat()
    body = {"id": str(uuid.uuid4()), "recorded_at": recorded_at, "mood": 4}
    client.post("/api/v1/checkins", json={**body, "note": NOTE})
    new_key = new_encryption_key()
    keys.use(f"{new_key},{keys.original}")
    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    keys.use(new_key)
    assert client.get(f"/api/v1/checkins/{body['id']}").get_json()["note"] == NOTE


def test_a_text_no_key_opens_stops_the_rotation_with_a_clear_message(runner, keys, patient):
    checkin_id = factories.checkin(patient, note=NOTE).id
    keys.use(new_encryption_key())  # the key that sealed the note is missing
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code != 0
    assert "ENCRYPTION_KEYS" in result.output
    assert str(checkin_id) not in result.output and NOTE not in result.output


def test_new_key_is_for_development_only(runner):
    result = runner.invoke(args=["keys", "rotate", "--new-key"])
    assert result.exit_code != 0 and "development" in result.output


@pytest.mark.committed
def test_new_key_in_development_adds_a_key_to_the_instance_secrets(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setenv("BETWEEN_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("ENCRYPTION_KEYS", raising=False)
    settings = {
        "ENV_NAME": "development",
        "ENCRYPTION_KEYS": None,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "dev.db"),
    }
    dev = create_app(settings)
    with dev.app_context():
        db.create_all()
        clinic = factories.clinic()
        patient = factories.user(clinic, "patient")
        checkin_id = factories.checkin(patient, note=NOTE).id
        first_key = dev.config["ENCRYPTION_KEYS"]
        db.session.remove()

    with dev.app_context():  # the CLI runs in whichever app context is current
        result = dev.test_cli_runner().invoke(args=["keys", "rotate", "--new-key"])
    assert result.exit_code == 0, result.output
    stored = json.loads((instance / "secrets.json").read_text())["ENCRYPTION_KEYS"].split(",")
    assert len(stored) == 2 and stored[1] == first_key

    # A process started with the new key alone still reads everything.
    later = create_app({**settings, "ENCRYPTION_KEYS": stored[0]})
    with later.app_context():
        assert db.session.get(CheckIn, checkin_id).note == NOTE
        db.session.remove()
        db.engine.dispose()
    with dev.app_context():
        db.engine.dispose()
