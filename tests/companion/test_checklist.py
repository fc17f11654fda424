"""The preparation checklist: the clinic's items, the patient's ticks, the care team's count."""

from datetime import UTC, datetime, timedelta

from tests import factories


def at(days: float) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


def test_a_clinic_session_offers_the_built_in_items_without_the_home_one(as_user, patient):
    session = factories.ketamine_session(patient, scheduled_at=at(2), setting="clinic")
    items = as_user(patient).get(f"/api/v1/ketamine-sessions/{session.id}/checklist").get_json()
    keys = [item["key"] for item in items["items"]]
    assert "ride-home" in keys and "support-person" not in keys
    assert not any(item["done"] for item in items["items"])


def test_a_home_session_always_asks_for_the_support_person(as_user, patient, therapist):
    staff = as_user(therapist)
    response = staff.put(
        "/api/v1/clinic/checklist",
        json={"items": [{"key": "water", "text": "I have water ready."}]},
    )
    assert response.status_code == 200
    home = factories.ketamine_session(patient, scheduled_at=at(2), setting="home")
    clinic = factories.ketamine_session(patient, scheduled_at=at(9), setting="clinic")
    client = as_user(patient)
    keys = lambda s: [  # noqa: E731
        i["key"]
        for i in client.get(f"/api/v1/ketamine-sessions/{s.id}/checklist").get_json()["items"]
    ]
    assert keys(home) == ["support-person", "water"]
    assert keys(clinic) == ["water"]


def test_ticking_twice_is_ticking_once_and_unknown_items_are_refused(as_user, patient):
    session = factories.ketamine_session(patient, scheduled_at=at(2))
    client = as_user(patient)
    path = f"/api/v1/ketamine-sessions/{session.id}/checklist"
    for _ in range(2):
        answer = client.put(path, json={"item": "ride-home", "done": True})
        assert answer.status_code == 200
    done = [item["key"] for item in answer.get_json()["items"] if item["done"]]
    assert done == ["ride-home"]
    untick = client.put(path, json={"item": "ride-home", "done": False}).get_json()
    assert not any(item["done"] for item in untick["items"])
    bad = client.put(path, json={"item": "no-such-item", "done": True})
    assert bad.status_code == 422 and "item" in bad.get_json()["errors"]


def test_another_patients_checklist_is_404(as_user, clinic, therapist, patient):
    other = factories.user(clinic, "patient", therapist=therapist)
    session = factories.ketamine_session(other, scheduled_at=at(2))
    client = as_user(patient)
    assert client.get(f"/api/v1/ketamine-sessions/{session.id}/checklist").status_code == 404
    put = client.put(
        f"/api/v1/ketamine-sessions/{session.id}/checklist", json={"item": "x", "done": True}
    )
    assert put.status_code == 404


def test_the_care_team_sees_what_is_not_ticked_before_the_next_session(as_user, patient, therapist):
    session = factories.ketamine_session(patient, scheduled_at=at(1), setting="home")
    client = as_user(patient)
    client.put(
        f"/api/v1/ketamine-sessions/{session.id}/checklist",
        json={"item": "support-person", "done": True},
    )
    view = as_user(therapist).get(f"/api/v1/patients/{patient.id}/companion").get_json()
    [dose] = view["doses"]
    open_items = [item["key"] for item in dose["checklist"] if not item["done"]]
    assert dose["checklist_open"] == len(open_items) == 5
    assert "support-person" not in open_items


def test_a_clinic_checklist_with_repeated_keys_is_refused(as_user, therapist):
    response = as_user(therapist).put(
        "/api/v1/clinic/checklist",
        json={"items": [{"key": "a", "text": "One"}, {"key": "a", "text": "Two"}]},
    )
    assert response.status_code == 422 and "items" in response.get_json()["errors"]
