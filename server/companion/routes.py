"""The companion's routes: the patient's summary, checklist ticks, intentions,
reflections and checks after a dose; the clinic's checklist; the care team's view.

A therapist's read of a patient's companion items is audited (identifiers only).
"""

from flask_login import current_user
from flask_smorest import Blueprint

from server import access
from server.api import STALE_VERSION, creates, replaces
from server.audit.services import record, sharing_changed
from server.care.models import DosingSession
from server.companion import checklist, queries, services
from server.companion.models import AfterDoseCheck, Intention, IntentionReflection
from server.companion.schemas import (
    AfterDoseCheckCreateSchema,
    AfterDoseCheckListSchema,
    AfterDoseCheckSchema,
    CareTeamCompanionSchema,
    ChecklistSchema,
    ChecklistTickSchema,
    ClinicChecklistSchema,
    CompanionSchema,
    IntentionChangeSchema,
    IntentionCreateSchema,
    IntentionListSchema,
    IntentionSchema,
    ReflectionCreateSchema,
    ReflectionSchema,
    SharingChangeSchema,
)
from server.db import utcnow
from server.errors import abort
from server.extensions import db

blp = Blueprint(
    "companion", __name__, url_prefix="/api/v1", description="The KAP session companion"
)

ID_REUSED = "This `id` was already used with other values, or the session already has one."


def _own_session(session_id) -> DosingSession:
    session = db.session.get(DosingSession, session_id)
    if session is None or session.patient_id != current_user.id:
        abort(404, "No such dosing session.")
    return session


@blp.route("/me/companion")
@access.patient_only
@blp.response(200, CompanionSchema)
def my_companion():
    """Sessions ahead, the next session's checklist and intention, what is due after a dose."""
    return queries.summary(current_user, utcnow())


@blp.route("/ketamine-sessions/<uuid:session_id>/checklist")
@access.patient_only
@blp.response(200, ChecklistSchema)
@blp.alt_response(404, description="Not one of my dosing sessions.")
def my_checklist(session_id):
    """The preparation checklist of one of my dosing sessions, with what I ticked."""
    return _checklist_of(_own_session(session_id))


@blp.route("/ketamine-sessions/<uuid:session_id>/checklist", methods=["PUT"])
@access.patient_only
@blp.arguments(ChecklistTickSchema)
@blp.response(200, ChecklistSchema)
@blp.alt_response(404, description="Not one of my dosing sessions.")
def tick_checklist(data, session_id):
    """Tick (or untick) one item; sending the same tick again changes nothing."""
    session = _own_session(session_id)
    checklist.set_tick(session, data["item"], data["done"])
    return _checklist_of(session)


def _checklist_of(session: DosingSession) -> dict:
    ticked = checklist.ticked_keys([session.id])[session.id]
    items = checklist.status(session, checklist.clinic_items(current_user.clinic_id), ticked)
    return {"ketamine_session_id": session.id, "items": items}


@blp.route("/intentions")
@access.patient_only
@blp.response(200, IntentionListSchema)
def my_intentions():
    """My intentions, newest first, each with what I wrote back about it."""
    items = []
    for intention, reflections in queries.own_intentions(current_user.id):
        items.append(_with_reflections(intention, reflections))
    return {"items": items, "next_cursor": None}


def _with_reflections(intention: Intention, reflections) -> dict:
    return {
        "id": intention.id,
        "ketamine_session_id": intention.ketamine_session_id,
        "body": intention.body,
        "written_at_local": intention.written_at_local,
        "shared": intention.shared,
        "discuss_next_session": intention.discuss_next_session,
        "version": intention.version,
        "reflections": reflections,
    }


@blp.route("/intentions", methods=["POST"])
@access.patient_only
@blp.arguments(IntentionCreateSchema)
@creates(blp, IntentionSchema, conflict=ID_REUSED)
def create_intention(data):
    """Write my intention for one of my dosing sessions (one per session)."""
    return services.create_intention(current_user, data)


def _own_item_patch(rule: str, arguments, response, noun: str):
    """A PATCH of one of my items with the `version` I read: 404 for anyone else's, 409 if stale."""
    decorators = (
        blp.route(rule, methods=["PATCH"]),
        access.patient_only,
        blp.arguments(arguments),
        blp.response(200, response),
        blp.alt_response(404, description=f"Not one of my {noun}."),
        blp.alt_response(409, description=STALE_VERSION),
    )

    def wrap(view):
        for decorate in reversed(decorators):
            view = decorate(view)
        return view

    return wrap


def _changed(model, item_id, change, data: dict):
    """My item `item_id` changed by `change(item, data)`; a change of who sees it goes to
    `sharing_changed` (audited; a check after a dose newly shared meets its shared-only
    rule then)."""
    item = access.own_item(model, item_id)
    was_shared = item.shared
    item = change(item, data)
    if item.shared != was_shared:
        sharing_changed(current_user.id, item)
    return item


@_own_item_patch(
    "/intentions/<uuid:intention_id>", IntentionChangeSchema, IntentionSchema, "intentions"
)
def change_intention(data, intention_id):
    """Change my intention's words or who sees it; send the `version` you read."""
    return _changed(Intention, intention_id, services.update_intention, data)


@blp.route("/intention-reflections", methods=["POST"])
@access.patient_only
@blp.arguments(ReflectionCreateSchema)
@creates(blp, ReflectionSchema, conflict=ID_REUSED)
def create_reflection(data):
    """Write back about one of my intentions after the dose: did it show up?"""
    return services.create_reflection(current_user, data)


@_own_item_patch(
    "/intention-reflections/<uuid:reflection_id>",
    SharingChangeSchema,
    ReflectionSchema,
    "reflections",
)
def change_reflection(data, reflection_id):
    """Share what I wrote back about an intention, or make it private; send its `version`."""
    return _changed(IntentionReflection, reflection_id, services.share, data)


@blp.route("/after-dose-checks")
@access.patient_only
@blp.response(200, AfterDoseCheckListSchema)
def my_after_dose_checks():
    """My checks after each dose, newest first."""
    return {"items": queries.own_checks(current_user.id), "next_cursor": None}


@blp.route("/after-dose-checks", methods=["POST"])
@access.patient_only
@blp.arguments(AfterDoseCheckCreateSchema)
@creates(blp, AfterDoseCheckSchema, conflict=ID_REUSED)
def create_after_dose_check(data):
    """Answer the check the morning after a dose; the answer says what to do about red answers."""
    return services.create_after_dose_check(current_user, data)


@_own_item_patch(
    "/after-dose-checks/<uuid:check_id>",
    SharingChangeSchema,
    AfterDoseCheckSchema,
    "checks after a dose",
)
def change_after_dose_check(data, check_id):
    """Share my check after a dose, or make it private; send its `version`."""
    return _changed(AfterDoseCheck, check_id, services.share, data)


@blp.route("/clinic/checklist")
@access.staff_only
@blp.response(200, ClinicChecklistSchema)
def clinic_checklist():
    """My clinic's preparation checklist (the built-in one until the clinic sets its own)."""
    return _clinic_checklist(current_user.clinic_id)


@blp.route("/clinic/checklist", methods=["PUT"])
@access.staff_only
@replaces(blp, ClinicChecklistSchema)
def set_clinic_checklist(data):
    """Set my clinic's preparation checklist (null: the built-in one); home sessions
    always ask for a support person. Send the `version` you read."""
    checklist.set_clinic_items(
        current_user.clinic_id, data["items"], current_user.id, version=data["version"]
    )
    record("clinic_checklist_changed", object_type="clinic_checklist")
    return _clinic_checklist(current_user.clinic_id)


def _clinic_checklist(clinic_id) -> dict:
    items, customised = checklist.clinic_items(clinic_id), checklist.is_customised(clinic_id)
    return {
        "items": items,
        "customised": customised,
        "version": checklist.version_of(items, customised),
    }


@blp.route("/patients/<uuid:patient_id>/companion")
@access.therapist_only
@blp.response(200, CareTeamCompanionSchema)
@blp.alt_response(404, description="No such patient on your care team.")
def patient_companion(patient_id):
    """Per dose: checklist status, and the intention, reflections and check the patient shared."""
    patient = access.patient_in_care(patient_id)
    record("companion_read", patient_id=patient.id, object_type="companion")
    return {"doses": queries.care_team_view(patient, utcnow())}
