"""A patient's journal entries: free writing, prompts, the dosing session it follows."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.audit.models import AuditEvent
from server.db import utcnow
from server.extensions import db
from server.journal.models import BODY_MAX, JournalEntry
from tests import factories
from tests.journal.conftest import entry_body, local_now

URL = "/api/v1/entries"


def test_write_read_edit_delete(patient_client):
    body = entry_body(discuss_next_session=True)
    created = patient_client.post(URL, json=body)
    assert created.status_code == 201
    entry = created.get_json()
    assert entry == {
        "id": body["id"],
        "written_at": body["written_at"],
        "body": body["body"],
        "prompt_id": None,
        "ketamine_session_id": None,
        "shared": True,
        "discuss_next_session": True,
        "version": 1,
    }
    item = f"{URL}/{body['id']}"
    assert patient_client.get(item).get_json() == entry
    edited = patient_client.patch(item, json={"version": 1, "body": "Rewritten, more honestly."})
    assert edited.get_json()["body"] == "Rewritten, more honestly."
    assert edited.get_json()["version"] == 2
    assert patient_client.get(URL).get_json()["items"][0]["body"] == "Rewritten, more honestly."
    assert patient_client.delete(item).status_code == 204
    assert patient_client.get(item).status_code == 410
    assert patient_client.post(URL, json=body).status_code == 410


def test_an_entry_follows_the_latest_dosing_session_before_it(patient_client, patient):
    now = utcnow()
    earlier = factories.ketamine_session(patient, scheduled_at=now - timedelta(days=9))
    latest = factories.ketamine_session(patient, scheduled_at=now - timedelta(days=2))
    factories.ketamine_session(patient, scheduled_at=now - timedelta(days=1), status="cancelled")
    factories.ketamine_session(patient, scheduled_at=now + timedelta(days=5))
    today = patient_client.post(URL, json=entry_body()).get_json()
    assert today["ketamine_session_id"] == str(latest.id)
    last_week = (local_now() - timedelta(days=5)).isoformat()
    older = patient_client.post(URL, json=entry_body(written_at=last_week)).get_json()
    assert older["ketamine_session_id"] == str(earlier.id)


def test_the_patient_may_link_a_session_or_none(patient_client, patient, other_patient):
    mine = factories.ketamine_session(patient, scheduled_at=utcnow() - timedelta(days=20))
    factories.ketamine_session(patient, scheduled_at=utcnow() - timedelta(days=1))
    theirs = factories.ketamine_session(other_patient, scheduled_at=utcnow() - timedelta(days=1))
    chosen = patient_client.post(URL, json=entry_body(ketamine_session_id=str(mine.id)))
    assert chosen.get_json()["ketamine_session_id"] == str(mine.id)
    unlinked = patient_client.post(URL, json=entry_body(ketamine_session_id=None))
    assert unlinked.get_json()["ketamine_session_id"] is None
    refused = patient_client.post(URL, json=entry_body(ketamine_session_id=str(theirs.id)))
    assert refused.status_code == 422 and "ketamine_session_id" in refused.get_json()["errors"]


def test_an_entry_answers_a_prompt_of_the_patients_clinic(patient_client, clinic):
    prompt = factories.prompt(clinic)
    elsewhere = factories.prompt(factories.clinic())
    answered = patient_client.post(URL, json=entry_body(prompt_id=str(prompt.id)))
    assert answered.status_code == 201 and answered.get_json()["prompt_id"] == str(prompt.id)
    refused = patient_client.post(URL, json=entry_body(prompt_id=str(elsewhere.id)))
    assert refused.status_code == 422 and "prompt_id" in refused.get_json()["errors"]
    missing = patient_client.post(URL, json=entry_body(prompt_id=str(uuid.uuid4())))
    assert missing.status_code == 422


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   \n "}, "body"),
        ({"body": "x" * (BODY_MAX + 1)}, "body"),
        ({"body": None}, "body"),
        ({"written_at": (local_now() + timedelta(days=1)).isoformat()}, "written_at"),
        ({"written_at": local_now().replace(tzinfo=None).isoformat()}, "written_at"),
        ({"shared": "perhaps"}, "shared"),
        ({"mood": 5}, "mood"),
    ],
)
def test_bad_entries_name_the_field(patient_client, change, field):
    response = patient_client.post(URL, json=entry_body(**change))
    assert response.status_code == 422 and field in response.get_json()["errors"]
    assert db.session.scalar(select(JournalEntry)) is None


def test_a_long_entry_fits(patient_client):
    text = "word " * (BODY_MAX // 5)
    response = patient_client.post(URL, json=entry_body(body=text[:BODY_MAX]))
    assert response.status_code == 201 and len(response.get_json()["body"]) == BODY_MAX


def test_replays_and_conflicts(patient_client, patient):
    factories.ketamine_session(patient, scheduled_at=utcnow() - timedelta(days=1))
    body = entry_body()
    first = patient_client.post(URL, json=body)
    # The derived session link is not part of what the client said: a replay matches.
    again = patient_client.post(URL, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    changed = patient_client.post(URL, json={**body, "body": "Something else entirely."})
    assert changed.status_code == 409
    linked_otherwise = patient_client.post(URL, json={**body, "ketamine_session_id": None})
    assert linked_otherwise.status_code == 409


def test_stale_edits_are_refused_and_nothing_is_written(patient_client):
    body = entry_body()
    patient_client.post(URL, json=body)
    item = f"{URL}/{body['id']}"
    patient_client.patch(item, json={"version": 1, "discuss_next_session": True})
    stale = patient_client.patch(item, json={"version": 1, "body": "Overwrite from an old tab."})
    assert stale.status_code == 409
    assert patient_client.get(item).get_json()["body"] == body["body"]


def test_unsharing_an_entry_is_audited(patient_client, patient):
    body = entry_body(shared=True)
    patient_client.post(URL, json=body)
    patient_client.patch(f"{URL}/{body['id']}", json={"version": 1, "shared": False})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sharing_changed"))
    assert (event.patient_id, event.object_type, event.object_id) == (
        patient.id,
        "entry",
        uuid.UUID(body["id"]),
    )


def test_share_by_default_applies_to_entries(as_user, clinic, therapist):
    private_person = factories.user(clinic, "patient", therapist=therapist, share_by_default=False)
    assert as_user(private_person).post(URL, json=entry_body()).get_json()["shared"] is False


def test_another_patients_entry_is_not_found(patient_client, other_patient):
    theirs = factories.entry(other_patient, body="Theirs alone.").id
    assert patient_client.get(f"{URL}/{theirs}").status_code == 404
    assert patient_client.patch(f"{URL}/{theirs}", json={"version": 1}).status_code == 404
    assert patient_client.delete(f"{URL}/{theirs}").status_code == 404
    assert db.session.get(JournalEntry, theirs) is not None


def test_a_check_in_and_an_entry_are_separate_kinds(patient_client):
    """Deleting a check-in does not bury an entry that happens to carry the same id."""
    shared_id = str(uuid.uuid4())
    patient_client.post("/api/v1/checkins", json={**_checkin(shared_id)})
    patient_client.delete(f"/api/v1/checkins/{shared_id}")
    assert patient_client.post(URL, json=entry_body(id=shared_id)).status_code == 201


def _checkin(item_id):
    return {"id": item_id, "recorded_at": local_now().isoformat(), "mood": 5}
