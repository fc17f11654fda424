"""The intention comes back among the prompts due in the days after its dose, until the
patient writes back; and nothing is asked in the rest hours after a dose. The clock stands
still (`clock`), so nothing depends on the hour the suite runs."""

import uuid
from datetime import timedelta

from tests import factories

DUE = "/api/v1/prompts/due"


def _dose_with_intention(clock, as_user, patient, body="To be gentle with my body"):
    dose = factories.ketamine_session(patient, scheduled_at=clock.now + timedelta(days=1))
    client = as_user(patient)
    made = client.post(
        "/api/v1/intentions",
        json={"id": str(uuid.uuid4()), "ketamine_session_id": str(dose.id), "body": body},
    )
    assert made.status_code == 201
    return client, dose, made.get_json()["id"]


def _intention_items(client):
    return [item for item in client.get(DUE).get_json()["items"] if item["source"] == "intention"]


def test_the_intention_comes_back_in_the_days_after_the_dose_as_the_prompt_of_the_day(
    clock, as_user, patient
):
    client, dose, intention_id = _dose_with_intention(clock, as_user, patient)
    assert _intention_items(client) == []  # before the dose: it is still ahead

    clock.now = dose.scheduled_at + timedelta(hours=4)  # the dosing day: its own page shows it
    assert _intention_items(client) == []

    for later in (timedelta(days=2), timedelta(days=5)):
        clock.now = dose.scheduled_at + later
        items = client.get(DUE).get_json()["items"]
        first = items[0]
        assert first["source"] == "intention" and first["prompt_of_the_day"] is True
        assert first["text"] == "You came in wanting “To be gentle with my body”: did it show up?"
        assert first["intention_id"] == intention_id == first["id"]
        assert first["ketamine_session_id"] == str(dose.id)
        assert all(item["source"] == "phase" for item in items[1:])

    clock.now = dose.scheduled_at + timedelta(days=8)  # a week on, it rests
    assert _intention_items(client) == []


def test_writing_back_once_ends_its_return_and_links_the_answer(clock, as_user, patient):
    client, dose, intention_id = _dose_with_intention(clock, as_user, patient)
    clock.now = dose.scheduled_at + timedelta(days=2)
    [item] = _intention_items(client)
    answer = client.post(
        "/api/v1/intention-reflections",
        json={"id": str(uuid.uuid4()), "intention_id": item["intention_id"], "body": "A little."},
    )
    assert answer.status_code == 201
    assert _intention_items(client) == []
    [mine] = client.get("/api/v1/intentions").get_json()["items"]
    assert mine["id"] == intention_id and [r["body"] for r in mine["reflections"]] == ["A little."]


def test_only_my_own_intention_comes_back(clock, as_user, clinic, therapist, patient):
    _client, dose, _ = _dose_with_intention(clock, as_user, patient)
    other = factories.user(clinic, "patient", therapist=therapist, time_zone=patient.time_zone)
    factories.ketamine_session(other, scheduled_at=dose.scheduled_at)
    clock.now = dose.scheduled_at + timedelta(days=2)
    assert _intention_items(as_user(other)) == []


def test_a_prompt_assigned_for_the_rest_hours_waits_until_they_end(
    clock, as_user, clinic, therapist, patient
):
    dose = factories.ketamine_session(patient, scheduled_at=clock.now - timedelta(hours=1))
    prompt = factories.prompt(clinic, "How is the evening going?")
    assigned = as_user(therapist).post(
        f"/api/v1/patients/{patient.id}/prompt-assignments",
        json={
            "prompt_ids": [str(prompt.id)],
            "ketamine_session_id": str(dose.id),
            "offset_hours": 0,
        },
    )
    assert assigned.status_code == 201
    client = as_user(patient)
    assert client.get(DUE).get_json()["items"] == []  # resting: nothing asked
    clock.now = dose.scheduled_at + timedelta(hours=3)
    first = client.get(DUE).get_json()["items"][0]
    assert (first["id"], first["source"]) == (str(prompt.id), "assigned")


def test_the_returning_intention_costs_one_statement_more(
    clock, as_user, patient, count_statements
):
    from server.journal import due, prompts

    _client, dose, _ = _dose_with_intention(clock, as_user, patient)
    prompts.ensure_clinic_library(patient.clinic_id)
    clock.now = dose.scheduled_at + timedelta(days=2)
    with count_statements() as counted:
        found = due.due_prompts(patient, clock.now)
    assert found.items[0].source == "intention"
    assert len(counted) <= 6
