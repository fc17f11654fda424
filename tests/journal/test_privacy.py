"""Free text is encrypted at rest; private items never reach the care team."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from server.crypto import DecryptionError
from server.db import utcnow
from server.extensions import db
from server.journal import queries
from server.journal.models import CheckIn, JournalEntry
from tests import factories
from tests.journal.conftest import checkin_body, entry_body

NOTE = "Tonight I finally told my sister about the accident"
BODY = "The ketamine showed me my father's kitchen and I cried for an hour"


def test_the_database_holds_no_journal_text_in_clear(patient_client):
    patient_client.post("/api/v1/checkins", json=checkin_body(note=NOTE))
    patient_client.post("/api/v1/entries", json=entry_body(body=BODY))
    # Every column of every row of both tables, read raw, as a stolen backup would be.
    for table in ("checkins", "journal_entries"):
        rows = db.session.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608
        assert rows
        raw = b"".join(
            value if isinstance(value, bytes) else str(value).encode()
            for row in rows
            for value in row
        )
        for secret in (NOTE, BODY):
            assert secret.encode() not in raw
            assert secret.split()[-1].encode() not in raw
    # The API still reads them back.
    assert patient_client.get("/api/v1/checkins").get_json()["items"][0]["note"] == NOTE
    assert patient_client.get("/api/v1/entries").get_json()["items"][0]["body"] == BODY


def test_a_ciphertext_copied_into_another_row_does_not_open(patient):
    secret = factories.checkin(patient, note=NOTE)
    decoy = factories.checkin(patient, note="an ordinary day")
    blob = secret.note_ciphertext
    db.session.execute(update(CheckIn).where(CheckIn.id == decoy.id).values(note_ciphertext=blob))
    db.session.commit()
    moved = db.session.scalar(
        select(CheckIn).where(CheckIn.id == decoy.id).execution_options(populate_existing=True)
    )
    with pytest.raises(DecryptionError):
        _ = moved.note


def test_a_note_cannot_be_moved_into_an_entry_body(patient):
    checkin = factories.checkin(patient, note=NOTE)
    entry = factories.entry(patient, body="plain")
    db.session.execute(
        update(JournalEntry)
        .where(JournalEntry.id == entry.id)
        .values(body_ciphertext=checkin.note_ciphertext)
    )
    db.session.commit()
    moved = db.session.scalar(
        select(JournalEntry)
        .where(JournalEntry.id == entry.id)
        .execution_options(populate_existing=True)
    )
    with pytest.raises(DecryptionError):
        _ = moved.body


def test_private_items_never_reach_the_care_team(patient):
    since = utcnow() - timedelta(days=30)
    shared_checkin = factories.checkin(patient, shared=True, mood=7)
    factories.checkin(patient, shared=False, mood=1, note="private")
    shared_entry = factories.entry(patient, shared=True, body="for my therapist")
    factories.entry(patient, shared=False, body="only for me")

    assert [c.id for c in queries.shared_checkins_since(patient.id, since)] == [shared_checkin.id]
    assert [e.id for e in queries.shared_entries_since(patient.id, since)] == [shared_entry.id]
    assert {i.id for i in queries.shared_items_since(patient.id, since)} == {
        shared_checkin.id,
        shared_entry.id,
    }
    # Not even as a count, a time, or a point on a chart.
    assert queries.unread_counts([patient.id], set())[patient.id] == 2
    series = queries.mood_series([patient.id])[patient.id]
    assert [(point.mood, point.count) for point in series] == [(7.0, 1)]


def test_a_patient_with_only_private_items_looks_empty_to_the_care_team(patient):
    factories.checkin(patient, shared=False)
    factories.entry(patient, shared=False)
    assert queries.shared_items_since(patient.id) == []
    assert queries.latest_checkin_times([patient.id]) == {}
    assert queries.unread_counts([patient.id], set()) == {patient.id: 0}
    assert queries.mood_series([patient.id]) == {patient.id: []}


def test_unsharing_hides_an_item_from_the_next_read(patient_client, patient):
    body = checkin_body(shared=True, note="shared for now")
    patient_client.post("/api/v1/checkins", json=body)
    assert [c.id for c in queries.shared_checkins_since(patient.id)] == [uuid.UUID(body["id"])]
    patient_client.patch(f"/api/v1/checkins/{body['id']}", json={"version": 1, "shared": False})
    assert queries.shared_checkins_since(patient.id) == []
    assert queries.latest_checkin_times([patient.id]) == {}


def test_a_deleted_item_leaves_nothing_the_care_team_can_see(patient_client, patient):
    body = entry_body(shared=True)
    patient_client.post("/api/v1/entries", json=body)
    patient_client.delete(f"/api/v1/entries/{body['id']}")
    assert queries.shared_items_since(patient.id) == []
    assert queries.unread_counts([patient.id], set()) == {patient.id: 0}


def test_errors_and_logs_carry_no_journal_text(patient_client, caplog):
    body = entry_body(body=BODY)
    patient_client.post("/api/v1/entries", json=body)
    conflict = patient_client.post("/api/v1/entries", json={**body, "body": BODY + " again"})
    assert conflict.status_code == 409
    assert "kitchen" not in conflict.get_data(as_text=True)
    too_long = patient_client.post("/api/v1/checkins", json=checkin_body(note=NOTE * 200))
    assert too_long.status_code == 422 and "sister" not in too_long.get_data(as_text=True)
    assert "kitchen" not in caplog.text and "sister" not in caplog.text
