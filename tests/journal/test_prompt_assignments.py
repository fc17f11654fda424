"""Assigned prompts as the care team manages them: before or after a dosing session
in hours (never a negative number), listed per patient with whether a shared
answer came, and withdrawn.

The choice about private answers: `answered` counts only answers the patient
shared. A prompt answered privately reads exactly like one not answered yet,
because a private item is invisible to the care team, even as a yes.
"""

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.db import utcnow
from server.extensions import db
from server.journal.assignments import assigned_prompts
from server.journal.models import PromptAssignment
from tests import factories

DUE = "/api/v1/prompts/due"


def url(patient, assignment_id=None) -> str:
    base = f"/api/v1/patients/{patient.id}/prompt-assignments"
    return f"{base}/{assignment_id}" if assignment_id else base


def audit(patient) -> list[tuple[str, uuid.UUID | None]]:
    rows = db.session.execute(
        select(AuditEvent.action, AuditEvent.object_id)
        .where(AuditEvent.patient_id == patient.id)
        .order_by(AuditEvent.at)
    )
    return [(action, object_id) for action, object_id in rows]


def test_a_prompt_is_assigned_hours_before_or_after_a_dosing_session(
    as_user, clinic, therapist, patient
):
    client = as_user(therapist)
    prompt = factories.prompt(clinic)
    session = factories.ketamine_session(patient, scheduled_at=utcnow() + timedelta(days=4))
    before = client.post(
        url(patient),
        json={
            "prompt_ids": [str(prompt.id)],
            "ketamine_session_id": str(session.id),
            "relative": "before",
            "offset_hours": 12,
        },
    )
    assert before.status_code == 201
    [made] = before.get_json()["items"]
    assert (made["relative"], made["offset_hours"]) == ("before", 12)
    stored = db.session.get(PromptAssignment, uuid.UUID(made["id"]))
    assert stored.due_at == session.scheduled_at - timedelta(hours=12)

    after = client.post(
        url(patient),
        json={"prompt_ids": [str(prompt.id)], "ketamine_session_id": str(session.id)},
    ).get_json()["items"][0]
    # Without a word or hours: at the session's time, counted as after it.
    assert (after["relative"], after["offset_hours"]) == ("after", 0)
    now = client.post(url(patient), json={"prompt_ids": [str(prompt.id)]}).get_json()["items"][0]
    assert (now["relative"], now["offset_hours"]) == (None, None)


def test_negative_or_too_many_hours_are_refused_naming_the_field(
    as_user, clinic, therapist, patient
):
    client = as_user(therapist)
    prompt = factories.prompt(clinic)
    session = factories.ketamine_session(patient)
    base = {"prompt_ids": [str(prompt.id)], "ketamine_session_id": str(session.id)}
    cases = [
        ({"offset_hours": -12}, "offset_hours", "never negative"),
        ({"relative": "before", "offset_hours": 14 * 24 + 1}, "offset_hours", "At most 336"),
        ({"relative": "after", "offset_hours": 60 * 24 + 1}, "offset_hours", "At most 1440"),
        ({"relative": "during"}, "relative", "Must be one of"),
        ({"offset_hours": 2.5}, "offset_hours", "integer"),
    ]
    for changes, field, words in cases:
        response = client.post(url(patient), json=base | changes)
        assert response.status_code == 422, changes
        assert response.mimetype == "application/problem+json"
        assert words in " ".join(response.get_json()["errors"][field]), response.get_json()
    without_session = {"prompt_ids": base["prompt_ids"], "relative": "before"}
    response = client.post(url(patient), json=without_session)
    assert response.status_code == 422 and "relative" in response.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(PromptAssignment)) == 0


def test_the_list_says_answered_only_for_a_shared_answer(as_user, clinic, therapist, patient):
    client = as_user(therapist)
    shared, private, waiting, early = (
        factories.prompt(clinic, f"Question {n}?") for n in ("shared", "private", "open", "early")
    )
    # An answer written before the prompt was assigned does not answer the assignment.
    factories.entry(
        patient, "Written long ago.", prompt_id=early.id, created_at=utcnow() - timedelta(days=3)
    )
    ids = [str(p.id) for p in (shared, private, waiting, early)]
    assert client.post(url(patient), json={"prompt_ids": ids}).status_code == 201
    factories.entry(patient, "Shared answer.", prompt_id=shared.id, shared=True)
    factories.entry(patient, "PRIVATE-ANSWER kept to myself", prompt_id=private.id, shared=False)

    response = client.get(url(patient))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "PRIVATE-ANSWER" not in text and "Shared answer." not in text
    items = {item["prompt_id"]: item for item in response.get_json()["items"]}
    assert {key: item["answered"] for key, item in items.items()} == {
        str(shared.id): True,
        str(private.id): False,
        str(waiting.id): False,
        str(early.id): False,
    }
    # Answered privately and not answered at all look the same, field by field.
    private_item, open_item = items[str(private.id)], items[str(waiting.id)]
    different = {key for key in private_item if private_item[key] != open_item[key]}
    assert different <= {"id", "prompt_id", "prompt_text", "created_at"}
    assert private_item["answered"] is False
    assert items[str(shared.id)]["prompt_text"] == "Question shared?"
    assert ("prompt_assignments_read", None) in audit(patient)


def test_the_list_is_one_statement_however_many_assignments(
    clinic, therapist, patient, count_statements
):
    costs = []
    patient_id = patient.id
    for _ in range(2):
        for _ in range(5):
            prompt = factories.prompt(clinic)
            db.session.add(
                PromptAssignment(
                    id=uuid.uuid4(),
                    patient_id=patient.id,
                    prompt_id=prompt.id,
                    assigned_by_id=therapist.id,
                    due_at=utcnow(),
                )
            )
            factories.entry(patient, "An answer.", prompt_id=prompt.id, shared=True)
        db.session.flush()
        db.session.expire_all()
        with count_statements() as statements:
            listed = assigned_prompts(patient_id)
        costs.append((len(listed), len(statements)))
    assert costs == [(5, 1), (10, 1)]


def test_withdrawing_an_assignment_stops_asking_and_is_audited(
    as_user, clinic, therapist, patient, other_patient
):
    client = as_user(therapist)
    prompt = factories.prompt(clinic, "What do you want to bring next time?")
    [made] = client.post(url(patient), json={"prompt_ids": [str(prompt.id)]}).get_json()["items"]
    assert str(prompt.id) in [item["id"] for item in as_user(patient).get(DUE).get_json()["items"]]

    # Another patient's path cannot reach it.
    assert client.delete(url(other_patient, made["id"])).status_code == 404
    response = client.delete(url(patient, made["id"]))
    assert response.status_code == 204
    assert client.get(url(patient)).get_json()["items"] == []
    due = as_user(patient).get(DUE).get_json()["items"]
    assert str(prompt.id) not in [item["id"] for item in due if item["source"] == "assigned"]
    assert ("prompt_assignment_withdrawn", uuid.UUID(made["id"])) in audit(patient)
    # Withdrawn already: nothing left to withdraw.
    again = client.delete(url(patient, made["id"]))
    assert again.status_code == 404 and again.mimetype == "application/problem+json"


def test_assigning_a_prompt_with_no_shared_answer_again_or_replaying_does_not_ask_twice(
    as_user, clinic, therapist, patient
):
    client = as_user(therapist)
    prompt = factories.prompt(clinic)
    session = factories.ketamine_session(patient, scheduled_at=utcnow() + timedelta(days=2))
    body = {
        "prompt_ids": [str(prompt.id)],
        "ketamine_session_id": str(session.id),
        "relative": "after",
        "offset_hours": 24,
    }
    first = client.post(url(patient), json=body).get_json()["items"]
    replay = client.post(url(patient), json=body).get_json()["items"]
    assert [item["id"] for item in replay] == [item["id"] for item in first]
    # Another time is another assignment; so is the same one once answered.
    other_time = client.post(url(patient), json=body | {"offset_hours": 48})
    assert other_time.get_json()["items"][0]["id"] != first[0]["id"]
    # A private answer changes nothing the care team can see, not even this.
    factories.entry(patient, "Answered, and kept private.", prompt_id=prompt.id, shared=False)
    after_private = client.post(url(patient), json=body).get_json()["items"]
    assert after_private[0]["id"] == first[0]["id"]
    factories.entry(patient, "Answered, and shared.", prompt_id=prompt.id, shared=True)
    after_shared = client.post(url(patient), json=body).get_json()["items"]
    assert after_shared[0]["id"] != first[0]["id"]
    assert db.session.scalar(select(func.count()).select_from(PromptAssignment)) == 3
