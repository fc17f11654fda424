"""The check the morning after a dose: stored once, judged, and red answers flagged."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server.companion import after_dose
from server.extensions import db
from server.flags.models import Flag
from tests import factories
from tests.companion.helpers import answers


def ago(hours: float) -> datetime:
    return (datetime.now(UTC) - timedelta(hours=hours)).replace(microsecond=0)


def _post(client, session, **extra):
    body = {
        "id": str(uuid.uuid4()),
        "ketamine_session_id": str(session.id),
        "answers": answers(),
    } | extra
    return client.post("/api/v1/after-dose-checks", json=body), body


def _flags(patient):
    db.session.expire_all()
    return list(db.session.scalars(select(Flag).where(Flag.patient_id == patient.id)))


def test_calm_answers_are_stored_with_no_flag_and_no_advice(as_user, patient):
    session = factories.ketamine_session(patient, scheduled_at=ago(20))
    response, body = _post(as_user(patient), session)
    assert response.status_code == 201, response.get_json()
    stored = response.get_json()
    assert stored["answers"] == body["answers"]
    assert (stored["red"], stored["alerts"], stored["advice"]) == (False, [], [])
    assert _flags(patient) == []


def test_chest_pain_says_call_emergency_first_and_raises_an_urgent_flag(as_user, patient):
    session = factories.ketamine_session(patient, scheduled_at=ago(20))
    response, _ = _post(
        as_user(patient), session, answers=answers(chest_pain=True, outside_plan=True)
    )
    stored = response.get_json()
    assert stored["red"] is True
    assert [advice["level"] for advice in stored["advice"]] == ["emergency", "call_clinic"]
    assert "emergency" in stored["advice"][0]["text"]
    [flag] = _flags(patient)
    assert (flag.kind, flag.severity) == ("after_dose_red", "urgent")


def test_a_private_red_check_still_reaches_the_care_team_without_its_answers(
    as_user, patient, therapist
):
    session = factories.ketamine_session(patient, scheduled_at=ago(20))
    _post(as_user(patient), session, answers=answers(urinary_blood=True), shared=False)
    listed = as_user(therapist).get("/api/v1/flags").get_json()["items"]
    assert [flag["kind"] for flag in listed] == ["after_dose_red"]
    assert "blood" not in str(listed).lower()
    doses = as_user(therapist).get(f"/api/v1/patients/{patient.id}/companion").get_json()
    assert all(dose["after_dose_check"] is None for dose in doses["doses"])


@pytest.mark.parametrize(
    ("changes", "red"),
    [
        ({"dissociation": "over_24h"}, True),
        ({"lasting_over_24h": True}, True),
        ({"urinary_blood": True}, True),
        ({"outside_plan": True}, True),
        ({"palpitations": True}, False),
        ({"travel_home": "drove"}, False),
        ({"cravings": "strong", "nausea": "strong"}, False),
    ],
)
def test_which_answers_are_red(changes, red):
    assert after_dose.is_red(after_dose.assess(answers(**changes), doses_so_far=1)) is red


def test_urinary_symptoms_warn_from_the_second_dose_on(as_user, patient):
    first = factories.ketamine_session(patient, scheduled_at=ago(24 * 8))
    second = factories.ketamine_session(patient, scheduled_at=ago(20))
    client = as_user(patient)
    response, _ = _post(client, first, answers=answers(urinary_urgency=True), shared=True)
    assert response.get_json()["alerts"] == []
    assert _flags(patient) == []
    response, _ = _post(client, second, answers=answers(urinary_urgency=True), shared=True)
    assert response.get_json()["alerts"] == ["urinary_repeated"]
    assert [(f.kind, f.severity) for f in _flags(patient)] == [("after_dose_urinary", "warning")]


def test_a_replay_answers_the_stored_check_and_raises_no_second_flag(as_user, patient):
    session = factories.ketamine_session(patient, scheduled_at=ago(20))
    client = as_user(patient)
    first, body = _post(client, session, answers=answers(chest_pain=True))
    again = client.post("/api/v1/after-dose-checks", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert len(_flags(patient)) == 1
    changed = client.post("/api/v1/after-dose-checks", json=body | {"answers": answers()})
    assert changed.status_code == 409
    other_id = client.post(
        "/api/v1/after-dose-checks", json=body | {"id": str(uuid.uuid4())}
    ).get_json()
    assert "ketamine_session_id" in other_id["errors"]


def test_bad_answers_name_the_field_and_store_nothing(as_user, patient):
    session = factories.ketamine_session(patient, scheduled_at=ago(20))
    client = as_user(patient)
    broken = answers(sleep="sometimes")
    del broken["chest_pain"]
    response, _ = _post(client, session, answers=broken)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"answers.sleep", "answers.chest_pain"}
    early, _ = _post(client, session, answered_at=ago(21).isoformat())
    assert early.status_code == 422 and "answered_at" in early.get_json()["errors"]
    assert client.get("/api/v1/after-dose-checks").get_json()["items"] == []


def test_another_patients_session_is_refused(as_user, clinic, therapist, patient):
    other = factories.user(clinic, "patient", therapist=therapist)
    session = factories.ketamine_session(other, scheduled_at=ago(20))
    response, _ = _post(as_user(patient), session)
    assert response.status_code == 422
    assert "ketamine_session_id" in response.get_json()["errors"]


def test_a_private_check_shared_later_reaches_the_care_team_and_its_shared_only_flag(
    as_user, clinic, patient, therapist
):
    first = factories.ketamine_session(patient, scheduled_at=ago(24 * 8))
    second = factories.ketamine_session(patient, scheduled_at=ago(20))
    client = as_user(patient)
    _post(client, first, answers=answers(urinary_urgency=True), shared=True)
    response, _ = _post(client, second, answers=answers(urinary_urgency=True), shared=False)
    check = response.get_json()
    assert check["alerts"] == ["urinary_repeated"] and _flags(patient) == []
    view = f"/api/v1/patients/{patient.id}/companion"
    seen = [d["after_dose_check"] for d in as_user(therapist).get(view).get_json()["doses"]]
    assert check["id"] not in [c["id"] for c in seen if c]

    path = f"/api/v1/after-dose-checks/{check['id']}"
    shared = client.patch(path, json={"version": check["version"], "shared": True})
    assert shared.status_code == 200 and shared.get_json()["shared"] is True
    assert [f.kind for f in _flags(patient)] == ["after_dose_urinary"]
    seen = [d["after_dose_check"] for d in as_user(therapist).get(view).get_json()["doses"]]
    assert check["id"] in [c["id"] for c in seen if c]

    # Private again, and shared once more: the same cause raises no second flag.
    version = shared.get_json()["version"]
    private = client.patch(path, json={"version": version, "shared": False}).get_json()
    again = client.patch(path, json={"version": private["version"], "shared": True})
    assert again.status_code == 200 and len(_flags(patient)) == 1
    # A stale version, no answer, or someone else's check change nothing.
    assert client.patch(path, json={"version": version, "shared": False}).status_code == 409
    missing = client.patch(path, json={"version": again.get_json()["version"]})
    assert missing.status_code == 422 and "shared" in missing.get_json()["errors"]
    other = as_user(factories.user(clinic, "patient", therapist=therapist))
    theirs = other.patch(path, json={"version": again.get_json()["version"], "shared": False})
    assert theirs.status_code == 404
