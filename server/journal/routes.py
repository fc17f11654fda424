"""Check-ins, journal entries and prompts. Views stay thin.

A patient reaches only their own items (anyone else's is 404). An item the
patient deleted answers 410 to a read or an edit, and deleting it again is
a no-op 204, so an offline outbox can replay a delete safely.
"""

import uuid

from flask import current_app
from flask_login import current_user
from flask_smorest import Blueprint

from server import access, items
from server.api import creates
from server.audit.services import record
from server.errors import abort
from server.extensions import db
from server.journal import assignments, due, prompts, queries, services
from server.journal.assignment_schemas import (
    AssignmentListSchema,
    AssignmentRequestSchema,
    PatientAssignmentListSchema,
    signed_offset,
)
from server.journal.models import CheckIn, JournalEntry, Prompt
from server.journal.schemas import (
    CheckInCreateSchema,
    CheckInPageSchema,
    CheckInSchema,
    CheckInUpdateSchema,
    DuePromptsSchema,
    EntryCreateSchema,
    EntryPageSchema,
    EntrySchema,
    EntrySearchResultSchema,
    EntrySearchSchema,
    EntryUpdateSchema,
    ListArgs,
    PromptCreateSchema,
    PromptListArgs,
    PromptPageSchema,
    PromptSchema,
    PromptUpdateSchema,
    TagListSchema,
    checkin_json,
)

ASSIGNMENTS = "/patients/<uuid:patient_id>/prompt-assignments"

blp = Blueprint(
    "journal", __name__, url_prefix="/api/v1", description="Check-ins, journal entries, prompts"
)


def _own(model, item_id: uuid.UUID):
    """The caller's own item; 410 if they deleted it, 404 if it is not theirs."""
    tombstone = items.tombstone_of(item_id, model.kind)
    if tombstone is not None and tombstone.patient_id == current_user.id:
        abort(410, "This item was deleted.")
    return access.own_item(model, item_id)


def _delete_own(model, item_id: uuid.UUID) -> None:
    tombstone = items.tombstone_of(item_id, model.kind)
    if tombstone is not None and tombstone.patient_id == current_user.id:
        return  # already deleted: a replayed delete changes nothing
    services.delete_item(access.own_item(model, item_id))


# --- check-ins -----------------------------------------------------------------
#
# Check-ins are answered through `checkin_json` (what CheckInSchema dumps,
# without marshmallow's cost); the schemas in the decorators document them.


def _json(document):
    return current_app.json.response(document)


@blp.route("/checkins", methods=["POST"])
@access.patient_only
@blp.arguments(CheckInCreateSchema)
@creates(blp, CheckInSchema, replay="A replay: the stored check-in.")
def create_checkin(data):
    """Check in: mood alone is enough.

    Replaying the same request returns the stored check-in (200); the same
    `id` with different content is 409; an `id` I deleted is 410.
    """
    checkin, created = services.create_checkin(current_user, data)
    return _json(checkin_json(checkin)), created


@blp.route("/checkins")
@access.patient_only
@blp.arguments(ListArgs, location="query")
@blp.response(200, CheckInPageSchema)
def list_checkins(args):
    """My check-ins, newest first; follow `next_cursor` for older ones."""
    page = queries.own_page(CheckIn, current_user.id, **args)
    return _json(
        {"items": [checkin_json(item) for item in page.items], "next_cursor": page.next_cursor}
    )


@blp.route("/checkins/tags")
@access.patient_only
@blp.response(200, TagListSchema)
def my_tags():
    """My own tags, most recently used first, to reuse on a new check-in."""
    return {"items": queries.recent_tags(current_user.id)}


@blp.route("/checkins/<uuid:checkin_id>")
@access.patient_only
@blp.response(200, CheckInSchema)
def get_checkin(checkin_id):
    """One of my check-ins."""
    return _json(checkin_json(_own(CheckIn, checkin_id)))


@blp.route("/checkins/<uuid:checkin_id>", methods=["PATCH"])
@access.patient_only
@blp.arguments(CheckInUpdateSchema)
@blp.response(200, CheckInSchema)
def update_checkin(data, checkin_id):
    """Edit, share or unshare a check-in; send the `version` you read."""
    return _json(checkin_json(services.update_checkin(_own(CheckIn, checkin_id), data)))


@blp.route("/checkins/<uuid:checkin_id>", methods=["DELETE"])
@access.patient_only
@blp.response(204)
def delete_checkin(checkin_id):
    """Delete a check-in for good."""
    _delete_own(CheckIn, checkin_id)


# --- journal entries -------------------------------------------------------------


@blp.route("/entries", methods=["POST"])
@access.patient_only
@blp.arguments(EntryCreateSchema)
@creates(blp, EntrySchema, replay="A replay: the stored entry.")
def create_entry(data):
    """Write a journal entry, optionally answering a prompt.

    Idempotent like check-ins. Without `ketamine_session_id` the entry is
    linked to my latest dosing session before `written_at`.
    """
    return services.create_entry(current_user, data)


@blp.route("/entries")
@access.patient_only
@blp.arguments(ListArgs, location="query")
@blp.response(200, EntryPageSchema)
def list_entries(args):
    """My journal entries, newest first; follow `next_cursor` for older ones."""
    return queries.own_page(JournalEntry, current_user.id, **args)


@blp.route("/entries/search", methods=["POST"])
@access.patient_only
@blp.arguments(EntrySearchSchema)
@blp.response(200, EntrySearchResultSchema)
def search_entries(args):
    """My journal entries that hold every one of the words, newest first."""
    if not args["q"].split():
        abort(422, "Type a word to look for.", errors={"q": ["Type a word to look for."]})
    items, more = queries.search_entries(current_user.id, args["q"])
    return {"items": items, "more": more}


@blp.route("/entries/<uuid:entry_id>")
@access.patient_only
@blp.response(200, EntrySchema)
def get_entry(entry_id):
    """One of my journal entries."""
    return _own(JournalEntry, entry_id)


@blp.route("/entries/<uuid:entry_id>", methods=["PATCH"])
@access.patient_only
@blp.arguments(EntryUpdateSchema)
@blp.response(200, EntrySchema)
def update_entry(data, entry_id):
    """Edit, share or unshare an entry; send the `version` you read."""
    return services.update_entry(_own(JournalEntry, entry_id), data)


@blp.route("/entries/<uuid:entry_id>", methods=["DELETE"])
@access.patient_only
@blp.response(204)
def delete_entry(entry_id):
    """Delete a journal entry for good."""
    _delete_own(JournalEntry, entry_id)


# --- prompts ---------------------------------------------------------------------


def _clinic_prompt(prompt_id: uuid.UUID) -> Prompt:
    """A prompt of the caller's clinic; another clinic's is 404."""
    prompt = db.session.get(Prompt, prompt_id)
    if prompt is None or prompt.clinic_id != current_user.clinic_id:
        abort(404, "No such prompt.")
    return prompt


def _prompt_view(prompt: Prompt) -> dict:
    return {
        "id": prompt.id,
        "text": prompt.text,
        "phases": prompt.phases,
        "theme": prompt.theme,
        "active": prompt.active,
        "is_default": prompt.default_key is not None,
        "version": prompt.version,
        "created_at": prompt.created_at,
        "updated_at": prompt.updated_at,
    }


@blp.route("/prompts/due")
@access.patient_only
@blp.response(200, DuePromptsSchema)
def due_prompts():
    """The prompts for my current phase and from my therapist, prompt of the day first."""
    prompts.ensure_clinic_library(current_user.clinic_id)
    return due.due_prompts(current_user)


@blp.route("/prompts")
@access.therapist_only
@blp.arguments(PromptListArgs, location="query")
@blp.response(200, PromptPageSchema)
def list_prompts(args):
    """My clinic's prompt library (it starts as Between's built-in library)."""
    prompts.ensure_clinic_library(current_user.clinic_id)
    found = prompts.clinic_library(current_user.clinic_id, **args)
    return {"items": [_prompt_view(prompt) for prompt in found], "next_cursor": None}


@blp.route("/prompts", methods=["POST"])
@access.therapist_only
@blp.arguments(PromptCreateSchema)
@blp.response(201, PromptSchema)
def create_prompt(data):
    """Add a prompt to my clinic's library."""
    return _prompt_view(prompts.create_prompt(current_user, data))


@blp.route("/prompts/<uuid:prompt_id>", methods=["PATCH"])
@access.therapist_only
@blp.arguments(PromptUpdateSchema)
@blp.response(200, PromptSchema)
def update_prompt(data, prompt_id):
    """Edit a prompt's text, phases, theme, or switch it off; send the `version` you read."""
    return _prompt_view(prompts.update_prompt(_clinic_prompt(prompt_id), data))


@blp.route(ASSIGNMENTS, methods=["POST"])
@access.therapist_only
@blp.arguments(AssignmentRequestSchema)
@blp.response(201, AssignmentListSchema)
def assign_prompts(data, patient_id):
    """Ask a patient to answer prompts, now or relative to one of their dosing sessions."""
    patient = access.patient_in_care(patient_id)
    made = prompts.assign_prompts(
        current_user,
        patient,
        data["prompt_ids"],
        ketamine_session_id=data["ketamine_session_id"],
        offset_hours=signed_offset(data),
    )
    return {"items": made}


@blp.route(ASSIGNMENTS)
@access.therapist_only
@blp.response(200, PatientAssignmentListSchema)
@blp.alt_response(404, description="No such patient on your care team.")
def list_assignments(patient_id):
    """A patient's assigned prompts, newest first, each saying whether a shared answer came."""
    patient = access.patient_in_care(patient_id)
    record("prompt_assignments_read", patient_id=patient.id, object_type="prompt_assignment")
    return {"items": assignments.assigned_prompts(patient.id)}


@blp.route(f"{ASSIGNMENTS}/<uuid:assignment_id>", methods=["DELETE"])
@access.therapist_only
@blp.response(204)
@blp.alt_response(404, description="No such patient on your care team, or no such assignment.")
def withdraw_assignment(patient_id, assignment_id):
    """Withdraw an assigned prompt: the patient is no longer asked it."""
    patient = access.patient_in_care(patient_id)
    withdrawn = assignments.withdraw(patient, assignment_id)
    record(
        "prompt_assignment_withdrawn",
        patient_id=patient.id,
        object_type="prompt_assignment",
        object_id=withdrawn,
    )
