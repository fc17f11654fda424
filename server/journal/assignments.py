"""A patient's assigned prompts as their care team sees them, and withdrawing one.

"Answered" means the patient has shared an entry answering the prompt since
it was assigned (the visibility rule of `server.items`). An answer kept
private does not count and is not hinted at: to the care team that prompt
reads as not answered yet, as the patient chose.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from server.auth.models import User
from server.errors import abort
from server.extensions import db
from server.items import visible_to_care_team
from server.journal.models import JournalEntry, Prompt, PromptAssignment


@dataclass(frozen=True)
class AssignedPrompt:
    id: uuid.UUID
    prompt_id: uuid.UUID
    prompt_text: str
    theme: str
    ketamine_session_id: uuid.UUID | None
    offset_hours: int | None
    due_at: datetime | None
    created_at: datetime
    assigned_by_id: uuid.UUID | None
    answered: bool


def _answered():
    """EXISTS: a shared entry answers the assignment's prompt since it was assigned."""
    return (
        select(JournalEntry.id)
        .where(
            JournalEntry.patient_id == PromptAssignment.patient_id,
            JournalEntry.prompt_id == PromptAssignment.prompt_id,
            JournalEntry.created_at >= PromptAssignment.created_at,
            visible_to_care_team(JournalEntry),
        )
        .exists()
    )


def assigned_prompts(patient_id: uuid.UUID) -> list[AssignedPrompt]:
    """The patient's prompt assignments, newest first, each with `answered`; one statement."""
    rows = db.session.execute(
        select(PromptAssignment, Prompt.text, Prompt.theme, _answered())
        .join(Prompt, Prompt.id == PromptAssignment.prompt_id)
        .where(PromptAssignment.patient_id == patient_id)
        .order_by(PromptAssignment.created_at.desc(), PromptAssignment.id.desc())
    )
    return [
        AssignedPrompt(
            id=assignment.id,
            prompt_id=assignment.prompt_id,
            prompt_text=text,
            theme=theme,
            ketamine_session_id=assignment.ketamine_session_id,
            offset_hours=assignment.offset_hours,
            due_at=assignment.due_at,
            created_at=assignment.created_at,
            assigned_by_id=assignment.assigned_by_id,
            answered=bool(was_answered),
        )
        for assignment, text, theme, was_answered in rows
    ]


def still_open(
    patient_id: uuid.UUID,
    prompt_ids: list[uuid.UUID],
    ketamine_session_id: uuid.UUID | None,
    offset_hours: int | None,
) -> dict[uuid.UUID, PromptAssignment]:
    """The patient's assignments of these prompts for the same time with no shared
    answer yet, by prompt; one statement.

    Assigning such a prompt again, or replaying the request, finds it
    instead of asking twice. "No shared answer", as in the list: had a
    private answer made a second assignment, the list would show two and
    so betray the private one.
    """
    rows = db.session.scalars(
        select(PromptAssignment)
        .where(
            PromptAssignment.patient_id == patient_id,
            PromptAssignment.prompt_id.in_(prompt_ids),
            PromptAssignment.ketamine_session_id == ketamine_session_id,
            PromptAssignment.offset_hours == offset_hours,
            ~_answered(),
        )
        .order_by(PromptAssignment.created_at, PromptAssignment.id)
    )
    waiting: dict[uuid.UUID, PromptAssignment] = {}
    for row in rows:
        waiting.setdefault(row.prompt_id, row)
    return waiting


def withdraw(patient: User, assignment_id: uuid.UUID) -> uuid.UUID:
    """Stop asking `patient` a prompt; one that is missing or another patient's is 404.

    The row goes: nothing else refers to it, and the patient's entries that
    answered it keep their prompt.
    """
    assignment = db.session.get(PromptAssignment, assignment_id)
    if assignment is None or assignment.patient_id != patient.id:
        abort(404, "No such prompt assignment of this patient.")
    db.session.delete(assignment)
    db.session.flush()
    return assignment.id
