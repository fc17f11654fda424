"""The prompt library and assignments: a clinic's questions, and who is asked which.

Functions flush and never commit; the request boundary commits once.
"""

import json
import uuid
from datetime import timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import event, exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.auth.models import User
from server.db import utcnow, versioned_edit
from server.errors import abort
from server.extensions import db
from server.journal.assignments import still_open
from server.journal.models import Prompt, PromptAssignment
from server.signals import dosing_session_changed

DEFAULT_PROMPTS_PATH = Path(__file__).with_name("default_prompts.json")


@cache
def default_prompts() -> tuple[dict, ...]:
    """The built-in library from `default_prompts.json`: key, text, phases, theme."""
    document = json.loads(DEFAULT_PROMPTS_PATH.read_text(encoding="utf-8"))
    return tuple(document["prompts"])


def default_prompt_id(clinic_id: uuid.UUID, key: str) -> uuid.UUID:
    # Derived, not random: two requests copying the library at once make the
    # same ids, so the second copy collides and is dropped instead of doubling it.
    return uuid.uuid5(clinic_id, key)


def ensure_clinic_library(clinic_id: uuid.UUID) -> None:
    """Give a clinic its copy of the built-in library the first time it is used.

    A clinic that has any copied prompt (even switched off) keeps what it
    has: therapists' edits are never overwritten.
    """
    if clinic_id in _LIBRARY_COMMITTED:
        return
    copied = select(exists().where(Prompt.clinic_id == clinic_id, Prompt.default_key.is_not(None)))
    if db.session.scalar(copied):
        _library_seen(clinic_id)
        return
    now = utcnow()
    rows = [
        {
            "id": default_prompt_id(clinic_id, prompt["key"]),
            "clinic_id": clinic_id,
            "default_key": prompt["key"],
            "text": prompt["text"],
            "phases": list(prompt["phases"]),
            "theme": prompt["theme"],
            "active": True,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for prompt in default_prompts()
    ]
    try:
        with db.session.begin_nested():
            db.session.execute(insert(Prompt), rows)
    except IntegrityError:
        pass  # another request copied the library first; its copy is the same
    _library_seen(clinic_id)


# Clinics whose copy of the library is committed, so that the prompts a
# patient opens every day skip the EXISTS above. Copied prompts are never
# deleted (only switched off; they go with their clinic), so a clinic once
# seen with its copy keeps it. A clinic is remembered only once the
# transaction that saw or made its copy has committed: a copy rolled back
# must be made again.
_LIBRARY_COMMITTED: set[uuid.UUID] = set()
_LIBRARY_SEEN = "between.journal.libraries_seen"


def _library_seen(clinic_id: uuid.UUID) -> None:
    db.session().info.setdefault(_LIBRARY_SEEN, set()).add(clinic_id)


@event.listens_for(Session, "after_commit")
def _remember_committed_libraries(session):
    _LIBRARY_COMMITTED.update(session.info.pop(_LIBRARY_SEEN, ()))


@event.listens_for(Session, "after_soft_rollback")
def _forget_uncommitted_libraries(session, _previous_transaction):
    session.info.pop(_LIBRARY_SEEN, None)


def clinic_library(
    clinic_id: uuid.UUID,
    *,
    phase: str | None = None,
    theme: str | None = None,
    active: bool | None = None,
) -> list[Prompt]:
    """A clinic's prompt library, by phase order then text, in one statement.

    Call `ensure_clinic_library` first so a new clinic has its copy
    of the built-in library.
    """
    query = select(Prompt).where(Prompt.clinic_id == clinic_id)
    if theme is not None:
        query = query.where(Prompt.theme == theme)
    if active is not None:
        query = query.where(Prompt.active.is_(active))
    prompts = list(db.session.scalars(query.order_by(Prompt.created_at, Prompt.id)))
    if phase is not None:
        # A JSON list; filtered here so the query reads alike on SQLite and PostgreSQL.
        prompts = [prompt for prompt in prompts if phase in prompt.phases]
    return prompts


def create_prompt(therapist: User, data: dict) -> Prompt:
    """Add a prompt to the therapist's clinic library."""
    ensure_clinic_library(therapist.clinic_id)
    prompt = Prompt(
        id=uuid.uuid4(),
        clinic_id=therapist.clinic_id,
        text=data["text"].strip(),
        phases=list(data["phases"]),
        theme=data["theme"],
        active=data["active"],
        created_by_id=therapist.id,
    )
    db.session.add(prompt)
    db.session.flush()
    return prompt


def update_prompt(prompt: Prompt, data: dict) -> Prompt:
    """Edit a prompt's text, phases, theme or `active`; a stale `version` is a 409."""
    with versioned_edit(prompt, data["version"], "This prompt"):
        if "text" in data:
            prompt.text = data["text"].strip()
        if "phases" in data:
            prompt.phases = list(data["phases"])
        for name in ("theme", "active"):
            if name in data:
                setattr(prompt, name, data[name])
    return prompt


def assign_prompts(
    therapist: User,
    patient: User,
    prompt_ids: list[uuid.UUID],
    *,
    ketamine_session_id: uuid.UUID | None = None,
    offset_hours: int | None = None,
) -> list[PromptAssignment]:
    """Ask `patient` to answer prompts: from now, or `offset_hours` after a dosing session.

    The prompts must be active ones of the clinic's library and the session
    one of the patient's, not cancelled; otherwise a 422 naming the field.
    A prompt still waiting for an answer at the same time is returned as it
    is rather than assigned twice.
    """
    ensure_clinic_library(patient.clinic_id)
    found = {
        prompt.id: prompt
        for prompt in db.session.scalars(
            select(Prompt).where(Prompt.id.in_(prompt_ids), Prompt.clinic_id == patient.clinic_id)
        )
    }
    errors = {}
    for index, prompt_id in enumerate(prompt_ids):
        prompt = found.get(prompt_id)
        if prompt is None:
            errors[f"prompt_ids.{index}"] = ["Not a prompt of your clinic's library."]
        elif not prompt.active:
            errors[f"prompt_ids.{index}"] = ["This prompt is switched off."]
    session = None
    if ketamine_session_id is not None:
        from server.care.models import DosingSession

        session = db.session.get(DosingSession, ketamine_session_id)
        if session is None or session.patient_id != patient.id:
            errors["ketamine_session_id"] = ["Not one of this patient's dosing sessions."]
        elif session.status == "cancelled":
            errors["ketamine_session_id"] = ["This dosing session is cancelled."]
    if errors:
        abort(422, "Some prompts cannot be assigned; see errors.", errors=errors)
    offset = offset_hours or 0
    due_at = session.scheduled_at + timedelta(hours=offset) if session else utcnow()
    session_id, offset = (session.id, offset) if session else (None, None)
    # A prompt already waiting for the same time is not asked twice (a replay finds it).
    # The patient's row is locked first (PostgreSQL), so two identical requests
    # at once are answered one after the other and the second finds the first.
    db.session.execute(select(User.id).where(User.id == patient.id).with_for_update())
    waiting = still_open(patient.id, prompt_ids, session_id, offset)
    made = [
        waiting.get(prompt_id)
        or PromptAssignment(
            id=uuid.uuid4(),
            patient_id=patient.id,
            prompt_id=prompt_id,
            assigned_by_id=therapist.id,
            ketamine_session_id=session_id,
            offset_hours=offset,
            due_at=due_at,
        )
        for prompt_id in prompt_ids
    ]
    db.session.add_all(made)
    db.session.flush()
    return made


def init_app(app) -> None:
    """Connect the journal's receivers (idempotent: blinker keeps one connection each)."""
    dosing_session_changed.connect(_follow_session)


def _follow_session(session, **_):
    """Moving a dosing session moves the prompts due relative to it; cancelling holds them."""
    assignments = db.session.scalars(
        select(PromptAssignment).where(PromptAssignment.ketamine_session_id == session.id)
    )
    for assignment in assignments:
        if session.status == "cancelled":
            assignment.due_at = None
        else:
            assignment.due_at = session.scheduled_at + timedelta(hours=assignment.offset_hours or 0)
    db.session.flush()
