"""The brief opens with the open flags and keeps those acknowledged since the last session."""

import uuid
from datetime import timedelta

from server.db import utcnow
from tests import factories

ACK = "/api/v1/flags/{}/acknowledge"


def brief(client, patient):
    answer = client.get(f"/api/v1/patients/{patient.id}/brief")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_open_flags_urgent_first_and_acknowledged_ones_with_their_outcome(
    as_user, therapist, patient
):
    now = utcnow()
    factories.integration_session(
        patient, therapist, scheduled_at=now - timedelta(days=7), status="completed"
    )
    shared = factories.measure_response(
        patient, answers=[1] * 8 + [3], shared=True, completed_at=now - timedelta(days=2)
    )
    factories.flag(patient, "mood_drop", raised_at=now - timedelta(hours=1))
    urgent = factories.flag(
        patient,
        "phq9_item9",
        raised_at=now - timedelta(days=2),
        source_type="measure_response",
        source_id=shared.id,
        source_at=shared.completed_at,
    )
    seen = factories.flag(patient, "missed_checkins", raised_at=now - timedelta(days=3))
    factories.flag(  # acknowledged before the window: not listed
        patient,
        "mood_drop",
        raised_at=now - timedelta(days=20),
        acknowledged_at=now - timedelta(days=19),
        outcome="no_action_needed",
    )
    client = as_user(therapist)
    done = client.post(
        ACK.format(seen.id), json={"outcome": "contacted_patient", "note": "Spoke on Tuesday."}
    )
    assert done.status_code == 200
    body = brief(client, patient)
    assert [f["kind"] for f in body["flags"]] == ["phq9_item9", "mood_drop"]
    head = body["flags"][0]
    assert head["id"] == str(urgent.id) and head["severity"] == "urgent"
    assert head["item9_level"] == 3 and head["item9_words"] == "nearly every day"
    assert head["source_id"] == str(shared.id)
    (acknowledged,) = body["acknowledged_flags"]
    assert acknowledged["id"] == str(seen.id)
    assert acknowledged["outcome"] == "contacted_patient"
    assert acknowledged["note"] == "Spoke on Tuesday."
    (phq9,) = [s for s in body["scores"] if s["instrument"] == "phq9"]
    assert phq9["item9_level"] == 3 and phq9["item9_words"] == "nearly every day"


def test_a_private_safety_answer_heads_the_brief_without_its_content(as_user, therapist, patient):
    created = as_user(patient).post(
        "/api/v1/measures/phq9/responses",
        json={"id": str(uuid.uuid4()), "answers": [2] * 8 + [2], "shared": False},
    )
    assert created.status_code == 201
    body = brief(as_user(therapist), patient)
    (flag,) = body["flags"]
    assert flag["kind"] == "phq9_item9"
    assert flag["item9_level"] is None and flag["item9_words"] is None
    assert flag["source_id"] is None and flag["source_at"] is None
    assert created.get_json()["id"] not in str(body)
    assert body["scores"] == []
