"""A check-in saying "I don't feel safe": an urgent flag even when private, and no content."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from server.extensions import db
from server.flags.models import Flag
from tests import factories

CANARY = "UNSAFE-CANARY-71f3 the bridge again tonight"


@pytest.fixture
def now():
    return datetime.now(timezone(timedelta(hours=-5))).replace(microsecond=0)


def checkin_body(now, **fields):
    return {
        "id": str(uuid.uuid4()),
        "recorded_at": (now - timedelta(minutes=5)).isoformat(),
        "mood": 1,
        "note": CANARY,
        **fields,
    }


def flags_of(patient):
    db.session.expire_all()
    return db.session.query(Flag).filter_by(patient_id=patient.id).all()


def test_a_shared_unsafe_check_in_raises_an_urgent_flag_linked_to_it(
    as_user, patient, therapist, now
):
    body = checkin_body(now, unsafe=True, shared=True)
    created = as_user(patient).post("/api/v1/checkins", json=body)
    assert created.status_code == 201 and created.get_json()["unsafe"] is True
    [flag] = flags_of(patient)
    assert (flag.kind, flag.severity, str(flag.source_id)) == (
        "unsafe_checkin",
        "urgent",
        body["id"],
    )
    seen = as_user(therapist).get("/api/v1/flags").get_json()["items"]
    [row] = [item for item in seen if item["kind"] == "unsafe_checkin"]
    assert row["severity"] == "urgent" and row["source_id"] == body["id"]


def test_a_private_unsafe_check_in_flags_the_care_team_and_shows_them_nothing_of_it(
    as_user, patient, therapist, now
):
    body = checkin_body(now, unsafe=True, shared=False)
    assert as_user(patient).post("/api/v1/checkins", json=body).status_code == 201
    [flag] = flags_of(patient)
    assert flag.kind == "unsafe_checkin" and flag.severity == "urgent"
    staff = as_user(therapist)
    listed = staff.get("/api/v1/flags")
    [row] = [item for item in listed.get_json()["items"] if item["kind"] == "unsafe_checkin"]
    # The flag says what needs attention, and nothing of the private check-in.
    assert row["source_type"] is None and row["source_id"] is None
    assert body["id"] not in listed.get_data(as_text=True)
    for path in (
        f"/api/v1/patients/{patient.id}/timeline",
        f"/api/v1/patients/{patient.id}/brief",
        "/api/v1/patients",
    ):
        answer = staff.get(path)
        assert answer.status_code == 200, path
        text = answer.get_data(as_text=True)
        assert CANARY not in text and body["id"] not in text, path
    assert staff.get(f"/api/v1/checkins/{body['id']}").status_code == 403


def test_a_replay_raises_no_second_flag_and_a_changed_answer_is_a_conflict(as_user, patient, now):
    client = as_user(patient)
    body = checkin_body(now, unsafe=True, shared=False)
    assert client.post("/api/v1/checkins", json=body).status_code == 201
    assert client.post("/api/v1/checkins", json=body).status_code == 200
    assert len(flags_of(patient)) == 1
    assert client.post("/api/v1/checkins", json=body | {"unsafe": False}).status_code == 409
    assert len(flags_of(patient)) == 1


def test_an_ordinary_check_in_raises_no_urgent_flag(as_user, patient, now):
    body = checkin_body(now, shared=False)
    created = as_user(patient).post("/api/v1/checkins", json=body)
    assert created.status_code == 201 and created.get_json()["unsafe"] is False
    assert flags_of(patient) == []


def test_unsafe_is_said_when_checking_in_not_added_by_an_edit(as_user, patient, now):
    client = as_user(patient)
    body = checkin_body(now)
    client.post("/api/v1/checkins", json=body)
    edit = client.patch(f"/api/v1/checkins/{body['id']}", json={"version": 1, "unsafe": True})
    assert edit.status_code == 422 and "unsafe" in edit.get_json()["errors"]
    assert flags_of(patient) == []


def test_unsafe_must_be_a_boolean(as_user, patient, now):
    response = as_user(patient).post("/api/v1/checkins", json=checkin_body(now, unsafe="maybe"))
    assert response.status_code == 422 and "unsafe" in response.get_json()["errors"]
    assert flags_of(patient) == []


def test_an_unsafe_check_in_is_in_the_patients_export(as_user, patient, now):
    client = as_user(patient)
    body = checkin_body(now, unsafe=True)
    client.post("/api/v1/checkins", json=body)
    exported = client.get("/api/v1/me/export").get_json()
    [row] = [c for c in exported["checkins"] if c["id"] == body["id"]]
    assert row["unsafe"] is True


def test_another_clinics_therapist_never_sees_the_flag(as_user, patient, now):
    as_user(patient).post("/api/v1/checkins", json=checkin_body(now, unsafe=True))
    stranger = factories.user(factories.clinic(), "therapist")
    items = as_user(stranger).get("/api/v1/flags").get_json()["items"]
    assert items == []


def test_a_shared_unsafe_check_in_says_so_on_the_timeline(as_user, patient, therapist, now):
    shared = checkin_body(now, unsafe=True, shared=True)
    ordinary = checkin_body(now - timedelta(minutes=1), shared=True)
    for body in (shared, ordinary):
        assert as_user(patient).post("/api/v1/checkins", json=body).status_code == 201
    items = as_user(therapist).get(f"/api/v1/patients/{patient.id}/timeline").get_json()["items"]
    said = {item["id"]: item["unsafe"] for item in items if item["type"] == "checkin"}
    assert said == {shared["id"]: True, ordinary["id"]: False}


def test_a_second_unsafe_check_in_counts_on_the_open_flag(as_user, patient, now):
    client = as_user(patient)
    first = checkin_body(now - timedelta(minutes=2), unsafe=True, shared=False)
    second = checkin_body(now, unsafe=True, shared=False)
    for body in (first, second):
        assert client.post("/api/v1/checkins", json=body).status_code == 201
    [flag] = flags_of(patient)
    assert flag.kind == "unsafe_checkin" and flag.occurrences == 2
