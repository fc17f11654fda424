"""A phone whose clock runs a few minutes fast can still check in.

Up to CLOCK_SKEW_SECONDS (15 minutes) ahead of the server is accepted and
stored as the server's time, the phone's own time kept beside it; further
ahead is refused with a message about the device's clock. One rule for
check-ins, entries and questionnaires (server.fields.DeviceTime).
"""

import uuid
from datetime import datetime, timedelta

from server.db import utcnow
from server.extensions import db
from server.journal.models import CheckIn, JournalEntry
from server.measures.models import MeasureResponse
from tests.journal.conftest import NEW_YORK, checkin_body, entry_body

CHECKINS = "/api/v1/checkins"


def ahead(minutes: int) -> datetime:
    return (utcnow() + timedelta(minutes=minutes)).astimezone(NEW_YORK).replace(microsecond=0)


def test_a_check_in_from_a_phone_ten_minutes_fast_is_stored_at_the_servers_time(patient_client):
    said = ahead(10)
    body = checkin_body(recorded_at=said.isoformat())
    before = utcnow()
    response = patient_client.post(CHECKINS, json=body)
    assert response.status_code == 201, response.get_json()
    answered = datetime.fromisoformat(response.get_json()["recorded_at"])
    assert before - timedelta(seconds=1) <= answered <= utcnow()  # not in the future
    assert answered.utcoffset() == said.utcoffset()  # still the patient's local time
    stored = db.session.get(CheckIn, uuid.UUID(body["id"]))
    assert stored.device_time == said  # what the phone said is kept
    # The outbox's replay of the same request is recognised, not a conflict.
    replay = patient_client.post(CHECKINS, json=body)
    assert replay.status_code == 200
    assert replay.get_json() == response.get_json()


def test_a_time_in_the_past_is_stored_as_sent(patient_client):
    said = ahead(-3 * 24 * 60)
    body = checkin_body(recorded_at=said.isoformat())
    assert patient_client.post(CHECKINS, json=body).get_json()["recorded_at"] == said.isoformat()
    assert db.session.get(CheckIn, uuid.UUID(body["id"])).device_time is None


def test_a_phone_far_ahead_is_told_its_clock_is_wrong(patient_client):
    response = patient_client.post(CHECKINS, json=checkin_body(recorded_at=ahead(20).isoformat()))
    assert response.status_code == 422
    message = response.get_json()["errors"]["recorded_at"][0]
    assert "15 minutes ahead" in message and "clock" in message


def test_the_tolerance_is_configurable(app, patient_client, monkeypatch):
    monkeypatch.setitem(app.config, "CLOCK_SKEW_SECONDS", 60)
    late = patient_client.post(CHECKINS, json=checkin_body(recorded_at=ahead(5).isoformat()))
    assert late.status_code == 422
    assert "1 minute ahead" in late.get_json()["errors"]["recorded_at"][0]


def test_an_edit_with_a_fast_clock_is_clamped_too(patient_client):
    created = patient_client.post(CHECKINS, json=checkin_body()).get_json()
    edit = {"version": created["version"], "recorded_at": ahead(5).isoformat()}
    edited = patient_client.patch(f"{CHECKINS}/{created['id']}", json=edit)
    assert edited.status_code == 200
    assert datetime.fromisoformat(edited.get_json()["recorded_at"]) <= utcnow()


def test_entries_and_questionnaires_follow_the_same_rule(patient_client):
    said = ahead(10)
    body = entry_body(written_at=said.isoformat())
    assert patient_client.post("/api/v1/entries", json=body).status_code == 201
    assert db.session.get(JournalEntry, uuid.UUID(body["id"])).device_time == said
    answer = {"id": str(uuid.uuid4()), "answers": [1] * 9, "completed_at": said.isoformat()}
    response = patient_client.post("/api/v1/measures/phq9/responses", json=answer)
    assert response.status_code == 201, response.get_json()
    assert db.session.get(MeasureResponse, uuid.UUID(answer["id"])).device_time == said
    far = {**answer, "id": str(uuid.uuid4()), "completed_at": ahead(60).isoformat()}
    refused = patient_client.post("/api/v1/measures/phq9/responses", json=far)
    assert refused.status_code == 422 and "clock" in refused.get_json()["errors"]["completed_at"][0]
