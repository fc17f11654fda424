"""The preparation checklist: the clinic's items, the patient's ticks, the care team's count."""

from datetime import UTC, datetime, timedelta

import pytest

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


def test_a_clinic_edits_its_list_keeping_ticks_and_can_go_back_to_the_built_in_one(
    as_user, patient, therapist
):
    from sqlalchemy import func, select

    from server.audit.models import AuditEvent
    from server.extensions import db

    staff = as_user(therapist)
    built_in = staff.get("/api/v1/clinic/checklist").get_json()
    assert built_in["customised"] is False and len(built_in["items"]) == 6
    session = factories.ketamine_session(patient, scheduled_at=at(2), setting="clinic")
    client = as_user(patient)
    path = f"/api/v1/ketamine-sessions/{session.id}/checklist"
    client.put(path, json={"item": "ride-home", "done": True})

    # The ride home reworded (same key), a new item without a key, twice the same words.
    sent = [
        {"key": "ride-home", "text": "A friend drives me home; I drive again tomorrow."},
        {"text": "Bring a blanket!"},
        {"text": "Bring a blanket!", "home_only": True},
    ]
    saved = staff.put("/api/v1/clinic/checklist", json={"items": sent})
    assert saved.status_code == 200 and saved.get_json()["customised"] is True
    assert [(i["key"], i["home_only"]) for i in saved.get_json()["items"]] == [
        ("ride-home", False),
        ("bring-a-blanket", False),
        ("bring-a-blanket-2", True),
    ]
    mine = client.get(path).get_json()["items"]
    assert [(i["text"], i["done"]) for i in mine] == [
        ("A friend drives me home; I drive again tomorrow.", True),
        ("Bring a blanket!", False),
    ]

    back = staff.put("/api/v1/clinic/checklist", json={"items": None})
    assert back.status_code == 200 and back.get_json() == built_in
    assert staff.get("/api/v1/clinic/checklist").get_json() == built_in
    changes = db.session.scalar(
        select(func.count()).where(AuditEvent.action == "clinic_checklist_changed")
    )
    assert changes == 2


def test_a_clinic_checklist_item_without_words_names_the_field(as_user, therapist):
    staff = as_user(therapist)
    before = staff.get("/api/v1/clinic/checklist").get_json()
    for items, field in (
        ([{"key": "ok", "text": "Fine."}, {"text": ""}], "items.1.text"),
        ([], "items"),
        ([{"key": "Not A Key", "text": "Fine."}], "items.0.key"),
    ):
        refused = staff.put("/api/v1/clinic/checklist", json={"items": items})
        assert refused.status_code == 422
        assert field in refused.get_json()["errors"]
    assert staff.get("/api/v1/clinic/checklist").get_json() == before


def test_a_save_over_a_list_changed_meanwhile_is_refused_and_changes_nothing(
    as_user, clinic, therapist
):
    admin = factories.user(clinic, "admin")
    mine, theirs = as_user(therapist), as_user(admin)
    path = "/api/v1/clinic/checklist"
    read = mine.get(path).get_json()
    # Someone else saves first, from the list as it was.
    first = theirs.put(path, json={"items": [{"text": "Eat lightly"}], "version": read["version"]})
    assert first.status_code == 200
    assert first.get_json()["version"] != read["version"]
    # My save, from the list I read, would undo theirs: refused, naming the version.
    late = mine.put(path, json={"items": [{"text": "Bring socks"}], "version": read["version"]})
    assert late.status_code == 409
    assert late.mimetype == "application/problem+json"
    assert "version" in late.get_json()["errors"]
    now = mine.get(path).get_json()
    assert [item["text"] for item in now["items"]] == ["Eat lightly"]
    assert now["version"] == first.get_json()["version"]
    # Going back to the built-in list is checked the same way; with the fresh version it saves.
    assert mine.put(path, json={"items": None, "version": read["version"]}).status_code == 409
    back = mine.put(path, json={"items": None, "version": now["version"]})
    assert back.status_code == 200 and back.get_json()["customised"] is False
    # A client that sends no version saves as before.
    assert mine.put(path, json={"items": [{"text": "Bring socks"}]}).status_code == 200


def test_a_first_save_that_meets_a_twin_first_save_is_refused_and_keeps_it(
    clinic, therapist, lands_after_read
):
    from server.companion import checklist
    from server.companion.models import ClinicChecklist
    from server.errors import Problem
    from server.extensions import db

    theirs = [{"key": "eat-lightly", "text": "Eat lightly", "home_only": False}]
    read = checklist.version_of(checklist.clinic_items(clinic.id), False)
    # Both read the built-in list; theirs is stored between my read and my insert.
    twin = lands_after_read(ClinicChecklist, clinic_id=clinic.id, items=theirs)
    with twin as landed, pytest.raises(Problem) as refused:
        checklist.set_clinic_items(clinic.id, [{"text": "Bring socks"}], therapist.id, version=read)
    assert landed, "the twin save never landed"
    assert refused.value.code == 409 and "version" in refused.value.data["errors"]
    # Mine was undone, theirs kept, and the session goes on.
    assert checklist.clinic_items(clinic.id) == theirs
    db.session.expunge_all()
    assert db.session.get(ClinicChecklist, clinic.id).items == theirs
