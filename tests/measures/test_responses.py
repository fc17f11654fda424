"""Answering a questionnaire: validation, scoring, idempotency, edits, deletion."""

import uuid
from datetime import UTC, timedelta, timezone

from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.db import utcnow
from server.extensions import db
from server.flags.models import Flag
from server.measures.models import MeasureResponse
from tests import factories

PHQ9_MODERATE = [2, 2, 1, 1, 1, 1, 1, 1, 0]  # 10, moderate, item 9 not endorsed


def a_week_ago_at_plus_one():
    """A week ago, to the second, as a phone an hour ahead of UTC writes it: a time after
    the patient joined whenever the suite runs (a fixed date falls before it one day)."""
    return (
        (utcnow() - timedelta(days=7))
        .replace(microsecond=0)
        .astimezone(timezone(timedelta(hours=1)))
    )


def answer(client, instrument="phq9", answers=None, **body):
    body.setdefault("id", str(uuid.uuid4()))
    body.setdefault("completed_at", utcnow().isoformat())
    body["answers"] = PHQ9_MODERATE if answers is None else answers
    return client.post(f"/api/v1/measures/{instrument}/responses", json=body)


def test_a_patient_answers_and_the_server_scores(as_user, patient):
    response = answer(as_user(patient))
    assert response.status_code == 201
    body = response.get_json()
    assert body["total"] == 10 and body["severity"] == "moderate"
    assert body["flags"] == [] and body["show_crisis_resources"] is False
    assert body["shared"] is True and body["version"] == 1
    assert response.headers["Cache-Control"] == "no-store"


def test_a_score_sent_by_the_client_is_refused_not_trusted(as_user, patient):
    response = answer(as_user(patient), total=0)
    assert response.status_code == 422 and "total" in response.get_json()["errors"]


def test_each_missing_or_out_of_range_item_is_named(as_user, patient):
    client = as_user(patient)
    response = answer(client, answers=[0, 1, 4, 2, -1, 0, 0, 0])
    assert response.status_code == 422
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert set(problem["errors"]) == {"answers.2", "answers.4", "answers.8"}
    assert db.session.scalar(select(func.count()).select_from(MeasureResponse)) == 0


def test_a_validation_error_never_echoes_the_answers(as_user, patient):
    response = answer(as_user(patient), "gad7", answers=[3, 3, 3, 3, 3, 3, 17])
    assert response.status_code == 422
    assert "17" not in response.get_data(as_text=True)
    assert set(response.get_json()["errors"]) == {"answers.6"}


def test_pcl5_items_go_to_4_and_gad7_items_only_to_3(as_user, patient):
    client = as_user(patient)
    assert answer(client, "pcl5", answers=[4] * 20).status_code == 201
    assert answer(client, "gad7", answers=[4] * 7).status_code == 422


def test_completed_in_the_past_is_fine_in_the_future_is_not(app, as_user, patient):
    client = as_user(patient)
    last_week = (utcnow() - timedelta(days=7)).isoformat()
    assert answer(client, completed_at=last_week).status_code == 201
    skew = app.config["CLOCK_SKEW_SECONDS"]
    slightly_ahead = (utcnow() + timedelta(seconds=skew // 2)).isoformat()
    assert answer(client, completed_at=slightly_ahead).status_code == 201
    tomorrow = (utcnow() + timedelta(days=1)).isoformat()
    response = answer(client, completed_at=tomorrow)
    assert response.status_code == 422 and "completed_at" in response.get_json()["errors"]


def test_a_time_without_offset_is_refused(as_user, patient):
    response = answer(as_user(patient), completed_at="2026-01-05T10:00:00")
    assert response.status_code == 422 and "completed_at" in response.get_json()["errors"]


def test_unknown_questionnaire_is_404(as_user, patient):
    assert answer(as_user(patient), "bdi2").status_code == 404


def test_replaying_the_same_request_returns_the_stored_response(as_user, patient):
    client = as_user(patient)
    body = {"id": str(uuid.uuid4()), "completed_at": a_week_ago_at_plus_one().isoformat()}
    first = answer(client, **body)
    again = answer(client, **body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert db.session.scalar(select(func.count()).select_from(MeasureResponse)) == 1


def test_the_same_instant_written_with_another_offset_is_the_same_request(as_user, patient):
    client = as_user(patient)
    response_id = str(uuid.uuid4())
    at = a_week_ago_at_plus_one()
    assert answer(client, id=response_id, completed_at=at.isoformat()).status_code == 201
    in_utc = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert answer(client, id=response_id, completed_at=in_utc).status_code == 200


def test_the_same_id_with_different_answers_is_a_conflict(as_user, patient):
    client = as_user(patient)
    response_id = str(uuid.uuid4())
    assert answer(client, id=response_id).status_code == 201
    conflict = answer(client, id=response_id, answers=[0] * 9)
    assert conflict.status_code == 409 and "id" in conflict.get_json()["errors"]
    stored = db.session.get(MeasureResponse, uuid.UUID(response_id))
    db.session.refresh(stored)
    assert stored.total == 10


def test_another_patients_id_is_a_conflict_and_reveals_nothing(as_user, clinic, patient):
    other = factories.user(clinic, "patient")
    theirs = factories.measure_response(other, answers=[3] * 9)
    conflict = answer(as_user(patient), id=str(theirs.id))
    assert conflict.status_code == 409
    assert "27" not in conflict.get_data(as_text=True)


def test_new_responses_follow_the_patients_sharing_default(as_user, clinic, therapist):
    private_by_default = factories.user(
        clinic, "patient", therapist=therapist, share_by_default=False
    )
    client = as_user(private_by_default)
    assert answer(client).get_json()["shared"] is False
    assert answer(client, shared=True).get_json()["shared"] is True


def test_item_9_shows_crisis_resources_and_raises_an_urgent_flag(as_user, patient):
    response = answer(as_user(patient), answers=[0, 0, 0, 0, 0, 0, 0, 0, 1], shared=False)
    body = response.get_json()
    assert response.status_code == 201
    assert body["show_crisis_resources"] is True and body["flags"] == ["phq9_item9"]
    flag = db.session.scalar(select(Flag))
    assert flag.severity == "urgent" and flag.patient_id == patient.id


def test_a_replay_does_not_raise_a_second_flag(as_user, patient):
    client = as_user(patient)
    body = {"id": str(uuid.uuid4()), "answers": [3] * 9, "completed_at": utcnow().isoformat()}
    first = answer(client, **body).get_json()
    again = answer(client, **body)
    assert again.status_code == 200
    assert (
        sorted(again.get_json()["flags"])
        == sorted(first["flags"])
        == [
            "phq9_item9",
            "phq9_severe",
        ]
    )
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 2


def test_patient_shares_and_unshares_with_version_and_audit(as_user, patient):
    client = as_user(patient)
    created = answer(client, shared=False).get_json()
    url = f"/api/v1/measures/responses/{created['id']}"
    shared = client.patch(url, json={"version": 1, "shared": True})
    assert shared.status_code == 200
    assert shared.get_json()["shared"] is True and shared.get_json()["version"] == 2
    stale = client.patch(url, json={"version": 1, "shared": False})
    assert stale.status_code == 409
    assert client.get(url).get_json()["shared"] is True
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "sharing_changed")
    ).all()
    assert [(e.object_type, str(e.object_id), e.patient_id) for e in events] == [
        ("measure_response", created["id"], patient.id)
    ]


def test_only_sharing_and_discuss_can_change(as_user, patient):
    client = as_user(patient)
    created = answer(client).get_json()
    url = f"/api/v1/measures/responses/{created['id']}"
    refused = client.patch(url, json={"version": 1, "answers": [0] * 9})
    assert refused.status_code == 422 and "answers" in refused.get_json()["errors"]
    marked = client.patch(url, json={"version": 1, "discuss_next_session": True})
    assert marked.get_json()["discuss_next_session"] is True
    assert marked.get_json()["total"] == 10
    assert client.patch(url, json={"shared": False}).status_code == 422


def test_patient_deletes_own_response(as_user, patient):
    client = as_user(patient)
    created = answer(client).get_json()
    url = f"/api/v1/measures/responses/{created['id']}"
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert db.session.get(MeasureResponse, uuid.UUID(created["id"])) is None


def test_a_create_replayed_after_deletion_does_not_bring_it_back(as_user, patient):
    client = as_user(patient)
    body = {"id": str(uuid.uuid4()), "completed_at": utcnow().isoformat()}
    answer(client, **body)
    assert client.delete(f"/api/v1/measures/responses/{body['id']}").status_code == 204
    assert answer(client, **body).status_code == 410
    assert db.session.get(MeasureResponse, uuid.UUID(body["id"])) is None
