"""The prompt library, assigning prompts, and what a patient is offered when."""

import json
import uuid
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from server.db import utcnow
from server.extensions import db
from server.fields import zone
from server.journal import due as journal_due
from server.journal import prompts as journal_prompts
from server.journal.models import PHASES, THEMES, Prompt, PromptAssignment
from server.journal.schemas import PROMPT_TEXT_MAX
from tests import factories
from tests.journal.conftest import entry_body

LIBRARY = "/api/v1/prompts"
DUE = "/api/v1/prompts/due"


def assignments_url(patient):
    return f"/api/v1/patients/{patient.id}/prompt-assignments"


# --- the built-in library --------------------------------------------------------


def test_the_built_in_library_covers_every_phase_and_theme():
    prompts = journal_prompts.default_prompts()
    assert len(prompts) >= 80
    assert len({p["key"] for p in prompts}) == len(prompts)
    assert len({p["text"] for p in prompts}) == len(prompts)
    phases = Counter(phase for p in prompts for phase in p["phases"])
    themes = Counter(p["theme"] for p in prompts)
    assert set(phases) == set(PHASES) and min(phases.values()) >= 12
    assert set(themes) == set(THEMES) and min(themes.values()) >= 5
    for prompt in prompts:
        assert set(prompt) == {"key", "text", "phases", "theme"}
        assert 10 < len(prompt["text"]) <= PROMPT_TEXT_MAX and prompt["text"].endswith((".", "?"))
    # Dosing-day prompts are short: right after a dose a patient manages little.
    dosing_day = [p["text"] for p in prompts if p["phases"] == ["dosing_day"]]
    assert max(len(text) for text in dosing_day) <= 80


#: Words that would tell a patient what a session should have given them.
ASSUMING = (
    "your message",
    "had a message",
    "what changed",
    "has changed",
    "grateful for",
    "the gift",
    "breakthrough",
    "since the session, what shifted",
)


def test_no_built_in_prompt_assumes_the_session_gave_something():
    """Some sessions feel flat: a prompt asks, it never presumes a message, change or gratitude."""
    for prompt in journal_prompts.default_prompts():
        lowered = prompt["text"].lower()
        assert not any(phrase in lowered for phrase in ASSUMING), prompt["key"]


def test_the_library_covers_safety_and_the_spiritual_nature_and_identity_domains():
    by_theme = Counter(p["theme"] for p in journal_prompts.default_prompts())
    assert by_theme["safety"] >= 8
    assert min(by_theme["spiritual"], by_theme["nature"], by_theme["identity"]) >= 5
    keys = {p["key"] for p in journal_prompts.default_prompts()}
    # lingering dissociation, the ride home, telling a support person, cravings, a relapse
    # plan, practical safety on the dosing day, warning signs of a relapse
    assert {
        "early-lingering-unreal",
        "prep-ride-plan",
        "early-tell-support",
        "int-cravings",
        "dose-no-driving",
        "int-warning-signs",
    } <= keys
    assert "int-relapse-plan" in keys


def test_the_library_file_is_valid_json_with_an_explanation():
    document = json.loads(journal_prompts.DEFAULT_PROMPTS_PATH.read_text(encoding="utf-8"))
    assert "about" in document and document["prompts"]


def test_a_clinic_starts_with_its_own_copy_of_the_built_in_library(as_user, therapist, clinic):
    client = as_user(therapist)
    library = client.get(LIBRARY).get_json()
    assert library["next_cursor"] is None
    assert len(library["items"]) == len(journal_prompts.default_prompts())
    assert all(p["is_default"] and p["active"] and p["version"] == 1 for p in library["items"])
    # Looking again copies nothing twice.
    assert len(client.get(LIBRARY).get_json()["items"]) == len(journal_prompts.default_prompts())

    other_clinic = factories.clinic()
    other_therapist = factories.user(other_clinic, "therapist")
    theirs = as_user(other_therapist).get(LIBRARY).get_json()["items"]
    assert not {p["id"] for p in theirs} & {p["id"] for p in library["items"]}

    edited = library["items"][0]
    client.patch(f"{LIBRARY}/{edited['id']}", json={"version": 1, "text": "Our own wording?"})
    same_key = next(p for p in theirs if p["text"] == edited["text"])
    assert same_key["version"] == 1


def test_copying_the_library_twice_at_once_keeps_one_copy(clinic):
    journal_prompts.ensure_clinic_library(clinic.id)
    # A second request that did not see the first copy yet: its insert collides and is dropped.
    db.session.execute(
        Prompt.__table__.delete().where(Prompt.clinic_id == clinic.id, Prompt.theme == "body")
    )
    kept = db.session.scalar(select(func.count()).where(Prompt.clinic_id == clinic.id))
    journal_prompts.ensure_clinic_library(clinic.id)
    assert db.session.scalar(select(func.count()).where(Prompt.clinic_id == clinic.id)) == kept
    db.session.execute(Prompt.__table__.update().values(default_key=None))
    journal_prompts.ensure_clinic_library(clinic.id)
    assert db.session.scalar(select(func.count()).where(Prompt.clinic_id == clinic.id)) == kept


def test_the_library_filters_by_phase_theme_and_active(as_user, therapist):
    client = as_user(therapist)
    dosing = client.get(LIBRARY, query_string={"phase": "dosing_day"}).get_json()["items"]
    assert dosing and all("dosing_day" in p["phases"] for p in dosing)
    body = client.get(LIBRARY, query_string={"theme": "body"}).get_json()["items"]
    assert body and {p["theme"] for p in body} == {"body"}
    assert client.get(LIBRARY, query_string={"active": "false"}).get_json()["items"] == []
    assert client.get(LIBRARY, query_string={"phase": "someday"}).status_code == 422


# --- editing the library ------------------------------------------------------------


def test_a_therapist_adds_and_edits_prompts(as_user, therapist):
    client = as_user(therapist)
    created = client.post(
        LIBRARY,
        json={
            "text": "What did your body want you to know today?",
            "phases": ["early_integration", "integration"],
            "theme": "body",
        },
    )
    assert created.status_code == 201
    prompt = created.get_json()
    assert prompt["is_default"] is False and prompt["active"] is True
    url = f"{LIBRARY}/{prompt['id']}"
    edited = client.patch(url, json={"version": 1, "active": False, "phases": ["integration"]})
    assert edited.status_code == 200
    assert edited.get_json()["version"] == 2 and edited.get_json()["active"] is False
    stale = client.patch(url, json={"version": 1, "text": "Lost update?"})
    assert stale.status_code == 409
    library = client.get(LIBRARY).get_json()["items"]
    assert any(p["id"] == prompt["id"] for p in library)
    assert len(library) == len(journal_prompts.default_prompts()) + 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "", "phases": ["integration"], "theme": "body"}, "text"),
        ({"text": "  ", "phases": ["integration"], "theme": "body"}, "text"),
        ({"text": "Fine?", "phases": [], "theme": "body"}, "phases"),
        ({"text": "Fine?", "phases": ["afterwards"], "theme": "body"}, "phases.0"),
        ({"text": "Fine?", "phases": ["integration"], "theme": "astrology"}, "theme"),
        ({"text": "x" * (PROMPT_TEXT_MAX + 1), "phases": ["integration"], "theme": "body"}, "text"),
        ({"phases": ["integration"], "theme": "body"}, "text"),
    ],
)
def test_bad_prompts_name_the_field(as_user, therapist, body, field):
    response = as_user(therapist).post(LIBRARY, json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_the_library_is_the_clinics_own(as_user, therapist):
    elsewhere = factories.prompt(factories.clinic())
    client = as_user(therapist)
    assert client.patch(f"{LIBRARY}/{elsewhere.id}", json={"version": 1}).status_code == 404
    assert client.patch(f"{LIBRARY}/{uuid.uuid4()}", json={"version": 1}).status_code == 404


# --- assignments ------------------------------------------------------------------


def test_a_therapist_assigns_prompts_now_or_after_a_dosing_session(as_user, therapist, patient):
    client = as_user(therapist)
    library = client.get(LIBRARY).get_json()["items"]
    now_ids = [library[0]["id"], library[1]["id"]]
    now = client.post(assignments_url(patient), json={"prompt_ids": now_ids})
    assert now.status_code == 201
    assert [a["prompt_id"] for a in now.get_json()["items"]] == now_ids
    due_now = datetime.fromisoformat(now.get_json()["items"][0]["due_at"])
    assert abs(due_now - utcnow()) < timedelta(minutes=1)

    session = factories.ketamine_session(patient, scheduled_at=utcnow() + timedelta(days=3))
    later = client.post(
        assignments_url(patient),
        json={
            "prompt_ids": [library[2]["id"]],
            "ketamine_session_id": str(session.id),
            "offset_hours": 24,
        },
    ).get_json()["items"][0]
    assert later["ketamine_session_id"] == str(session.id) and later["offset_hours"] == 24
    assert datetime.fromisoformat(later["due_at"]) == session.scheduled_at + timedelta(hours=24)


def test_assignments_only_for_patients_in_my_care(as_user, clinic, therapist):
    # Another therapist's patient is 404 in the authorization matrix; so is nobody.
    prompt = factories.prompt(clinic)
    body = {"prompt_ids": [str(prompt.id)]}
    unknown = f"/api/v1/patients/{uuid.uuid4()}/prompt-assignments"
    assert as_user(therapist).post(unknown, json=body).status_code == 404
    assert db.session.scalar(select(PromptAssignment)) is None


def test_bad_assignments_name_the_field(as_user, clinic, therapist, patient, other_patient):
    client = as_user(therapist)
    mine = factories.prompt(clinic)
    off = factories.prompt(clinic, active=False)
    foreign = factories.prompt(factories.clinic())
    theirs = factories.ketamine_session(other_patient)
    cancelled = factories.ketamine_session(patient, status="cancelled")
    cases = [
        ({"prompt_ids": [str(mine.id), str(foreign.id)]}, "prompt_ids.1"),
        ({"prompt_ids": [str(off.id)]}, "prompt_ids.0"),
        ({"prompt_ids": []}, "prompt_ids"),
        ({"prompt_ids": [str(mine.id), str(mine.id)]}, "prompt_ids"),
        ({"prompt_ids": [str(mine.id)], "offset_hours": 24}, "offset_hours"),
        (
            {"prompt_ids": [str(mine.id)], "ketamine_session_id": str(theirs.id)},
            "ketamine_session_id",
        ),
        (
            {"prompt_ids": [str(mine.id)], "ketamine_session_id": str(cancelled.id)},
            "ketamine_session_id",
        ),
    ]
    for body, field in cases:
        response = client.post(assignments_url(patient), json=body)
        assert response.status_code == 422, body
        assert field in response.get_json()["errors"], (body, response.get_json())
    assert db.session.scalar(select(PromptAssignment)) is None


def test_moving_or_cancelling_the_session_moves_or_holds_the_prompt(as_user, therapist, patient):
    client = as_user(therapist)
    prompt = factories.prompt(therapist_clinic(therapist))
    session = factories.ketamine_session(patient, scheduled_at=utcnow() + timedelta(days=3))
    assignment_id = client.post(
        assignments_url(patient),
        json={
            "prompt_ids": [str(prompt.id)],
            "ketamine_session_id": str(session.id),
            "offset_hours": 6,
        },
    ).get_json()["items"][0]["id"]
    moved_to = (utcnow() + timedelta(days=5)).replace(microsecond=0)
    session_url = f"/api/v1/patients/{patient.id}/ketamine-sessions/{session.id}"
    moved = client.patch(session_url, json={"version": 1, "scheduled_at": moved_to.isoformat()})
    assert moved.status_code == 200, moved.get_json()
    assert _due_at(assignment_id) == moved_to + timedelta(hours=6)
    cancelled = client.patch(session_url, json={"version": 2, "status": "cancelled"})
    assert cancelled.status_code == 200, cancelled.get_json()
    assert _due_at(assignment_id) is None


def _due_at(assignment_id):
    return db.session.scalar(
        select(PromptAssignment.due_at).where(PromptAssignment.id == uuid.UUID(assignment_id))
    )


def therapist_clinic(therapist):
    from server.clinics.models import Clinic

    return db.session.get(Clinic, therapist.clinic_id)


# --- what is due ----------------------------------------------------------------------


def test_a_new_patient_is_offered_preparation_prompts(as_user, patient):
    due = as_user(patient).get(DUE).get_json()
    assert due["phase"] == "preparation"
    assert 1 <= len(due["items"]) <= journal_due.MAX_DUE_PROMPTS
    assert all(
        "preparation" in item["phases"] and item["source"] == "phase" for item in due["items"]
    )
    assert [item["prompt_of_the_day"] for item in due["items"]] == [True] + [False] * (
        len(due["items"]) - 1
    )


def test_right_after_a_dose_the_early_integration_prompts_come(as_user, patient):
    factories.ketamine_session(patient, scheduled_at=utcnow() - timedelta(hours=36))
    due = as_user(patient).get(DUE).get_json()
    assert due["phase"] == "early_integration"
    assert all("early_integration" in item["phases"] for item in due["items"])


def test_the_prompt_of_the_day_stays_the_same_all_day(as_user, patient):
    client = as_user(patient)
    first = client.get(DUE).get_json()["items"]
    assert client.get(DUE).get_json()["items"] == first
    journal_prompts.ensure_clinic_library(patient.clinic_id)
    morning, evening = _local_times(patient, time(7, 0), time(22, 0))
    assert (
        journal_due.due_prompts(patient, morning).items[0].id
        == journal_due.due_prompts(patient, evening).items[0].id
    )


def _local_times(patient, *clock_times):
    tz = zone(patient.time_zone)
    today = utcnow().astimezone(tz).date() - timedelta(days=1)
    return [datetime.combine(today, clock, tz) for clock in clock_times]


def test_an_answered_prompt_is_not_offered_again_in_the_same_phase(as_user, patient):
    client = as_user(patient)
    offered = client.get(DUE).get_json()["items"]
    answered = offered[0]["id"]
    client.post("/api/v1/entries", json=entry_body(prompt_id=answered))
    again = client.get(DUE).get_json()["items"]
    assert answered not in [item["id"] for item in again]
    assert again[0]["prompt_of_the_day"] is True


def test_switched_off_prompts_are_not_offered(as_user, therapist, patient):
    therapist_client = as_user(therapist)
    library = therapist_client.get(LIBRARY, query_string={"phase": "preparation"}).get_json()
    for prompt in library["items"]:
        therapist_client.patch(f"{LIBRARY}/{prompt['id']}", json={"version": 1, "active": False})
    assert as_user(patient).get(DUE).get_json()["items"] == []


def test_assigned_prompts_come_first_when_due_until_answered(as_user, therapist, patient):
    therapist_client = as_user(therapist)
    clinic = therapist_clinic(therapist)
    assigned = factories.prompt(clinic, "What do you want to bring to Thursday?")
    not_yet = factories.prompt(clinic, "Later: how was the week?")
    therapist_client.post(assignments_url(patient), json={"prompt_ids": [str(assigned.id)]})
    upcoming = factories.ketamine_session(patient, scheduled_at=utcnow() + timedelta(days=10))
    therapist_client.post(
        assignments_url(patient),
        json={
            "prompt_ids": [str(not_yet.id)],
            "ketamine_session_id": str(upcoming.id),
            "offset_hours": 48,
        },
    )
    client = as_user(patient)
    due = client.get(DUE).get_json()["items"]
    assert due[0]["id"] == str(assigned.id)
    assert due[0]["source"] == "assigned" and due[0]["prompt_of_the_day"] is True
    assert due[0]["assignment_id"] is not None
    assert str(not_yet.id) not in [item["id"] for item in due]
    assert all(item["source"] == "phase" for item in due[1:])

    client.post("/api/v1/entries", json=entry_body(prompt_id=str(assigned.id)))
    after = client.get(DUE).get_json()["items"]
    assert str(assigned.id) not in [item["id"] for item in after]


def test_at_most_a_handful_even_with_many_assignments(as_user, therapist, patient):
    clinic = therapist_clinic(therapist)
    prompts = [factories.prompt(clinic, f"Assigned question {n}?") for n in range(8)]
    as_user(therapist).post(
        assignments_url(patient), json={"prompt_ids": [str(p.id) for p in prompts]}
    )
    due = as_user(patient).get(DUE).get_json()["items"]
    assert len(due) == journal_due.MAX_DUE_PROMPTS
    assert all(item["source"] == "assigned" for item in due)


def test_on_a_dosing_day_before_the_dose_intention_prompts_come(patient):
    journal_prompts.ensure_clinic_library(patient.clinic_id)
    morning, afternoon = _local_times(patient, time(8, 0), time(15, 0))
    factories.ketamine_session(patient, scheduled_at=morning + timedelta(hours=2))
    before = journal_due.due_prompts(patient, morning)
    assert before.phase == "dosing_day"
    assert before.items and {item.theme for item in before.items} == {"intention"}
    after = journal_due.due_prompts(patient, afternoon)
    assert after.items and all("dosing_day" in item.phases for item in after.items)


def test_intentions_come_back_before_the_next_session(patient):
    """Answered while preparing for one session, a prompt returns when preparing for the next."""
    journal_prompts.ensure_clinic_library(patient.clinic_id)
    (noon,) = _local_times(patient, time(12, 0))
    first = factories.ketamine_session(patient, scheduled_at=noon - timedelta(days=12))
    factories.ketamine_session(patient, scheduled_at=noon + timedelta(days=2))
    offered = journal_due.due_prompts(patient, noon)
    assert offered.phase == "preparation"
    prompt_id = offered.items[0].id
    factories.entry(patient, prompt_id=prompt_id, written_at=first.scheduled_at - timedelta(days=1))
    assert journal_due.due_prompts(patient, noon).items[0].id == prompt_id
    factories.entry(patient, prompt_id=prompt_id, written_at=noon - timedelta(hours=1))
    assert prompt_id not in [item.id for item in journal_due.due_prompts(patient, noon).items]


def test_due_prompts_cost_a_fixed_number_of_statements(patient, count_statements):
    journal_prompts.ensure_clinic_library(patient.clinic_id)
    for _ in range(3):
        factories.entry(patient)
    with count_statements() as few:
        journal_due.due_prompts(patient)
    for _ in range(20):
        factories.entry(patient)
    with count_statements() as many:
        journal_due.due_prompts(patient)
    assert len(few) == len(many) <= 5


def test_a_committed_library_copy_is_not_looked_for_again(clinic, count_statements):
    journal_prompts.ensure_clinic_library(clinic.id)
    with count_statements() as before_commit:
        journal_prompts.ensure_clinic_library(clinic.id)
    assert len(before_commit) == 1  # not committed yet: still looked for
    db.session.commit()
    with count_statements() as after_commit:
        journal_prompts.ensure_clinic_library(clinic.id)
    assert after_commit == []


def test_a_library_copy_rolled_back_is_made_again(count_statements):
    clinic = factories.clinic()
    journal_prompts.ensure_clinic_library(clinic.id)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(Prompt.clinic_id == clinic.id)) == 0
    journal_prompts.ensure_clinic_library(clinic.id)
    db.session.commit()
    copied = db.session.scalar(select(func.count()).where(Prompt.clinic_id == clinic.id))
    assert copied == len(journal_prompts.default_prompts())


def test_dosing_day_prompts_wait_three_hours_after_the_dose(patient):
    """Right after a dose the patient rests: no dosing-day prompt until 3 h after it starts."""
    journal_prompts.ensure_clinic_library(patient.clinic_id)
    ten, half_past_eleven, one = _local_times(patient, time(10, 0), time(11, 30), time(13, 0))
    factories.ketamine_session(patient, scheduled_at=ten)
    resting = journal_due.due_prompts(patient, half_past_eleven)
    assert resting.phase == "dosing_day" and resting.items == []
    later = journal_due.due_prompts(patient, one)
    assert later.items and all("dosing_day" in item.phases for item in later.items)


def test_the_end_of_series_prompts_wait_until_no_further_dose_is_booked(patient):
    """ "As your series comes toward its end…" is not asked while more doses are booked."""
    from sqlalchemy import update

    journal_prompts.ensure_clinic_library(patient.clinic_id)
    kept = {"int-relapse-plan", "int-after-series", "int-warning-signs"}
    db.session.execute(
        update(Prompt)
        .where(Prompt.clinic_id == patient.clinic_id, Prompt.default_key.not_in(kept))
        .values(active=False)
    )
    (noon,) = _local_times(patient, time(12, 0))
    factories.ketamine_session(patient, scheduled_at=noon - timedelta(days=10))
    following = factories.ketamine_session(patient, scheduled_at=noon + timedelta(days=10))

    def offered_keys():
        found = journal_due.due_prompts(patient, noon)
        assert found.phase == "integration"
        ids = [item.id for item in found.items]
        return set(db.session.scalars(select(Prompt.default_key).where(Prompt.id.in_(ids))))

    assert offered_keys() == {"int-warning-signs"}
    following.status = "cancelled"
    db.session.flush()
    assert offered_keys() == kept
