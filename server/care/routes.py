"""Scheduling routes: therapists book sessions for their patients; patients read theirs.

A therapist's read of a patient's schedule, and every change to it, is
audited (identifiers only).
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask_login import current_user
from flask_smorest import Blueprint

from server import access
from server.api import creates
from server.audit.services import record
from server.care import queries, services
from server.care.models import DosingSession, IntegrationSession
from server.care.phase import phase_at
from server.care.schemas import (
    DosingSessionChangeSchema,
    DosingSessionCreateSchema,
    DosingSessionPageSchema,
    IntegrationSessionChangeSchema,
    IntegrationSessionCreateSchema,
    IntegrationSessionPageSchema,
    PhaseSchema,
    ScheduleQuerySchema,
    TherapistDosingSessionPageSchema,
    TherapistDosingSessionSchema,
    TherapistIntegrationSessionPageSchema,
    TherapistIntegrationSessionSchema,
)
from server.db import utcnow

blp = Blueprint("care", __name__, url_prefix="/api/v1", description="Scheduling and phases")

NOT_IN_CARE = "No such patient on your care team."
ID_REUSED = "This `id` was already used with other values."
CLASH = (
    "Another session of this patient overlaps this time or falls on the same day "
    "(named in `conflicts`); nothing was booked. Send `confirm_overlap: true` to book anyway."
)
STALE = "The `version` sent is not the stored one; nothing was changed."


@dataclass(frozen=True)
class Kind:
    """One kind of session: its names, model, service calls, schemas, words and audit."""

    name: str
    path: str
    model: type
    create: Callable
    change: Callable
    create_schema: type
    change_schema: type
    schema: type
    page_schema: type
    own_page_schema: type
    object_type: str
    #: The audit actions, written whole so that a search for one finds where it is recorded.
    created: str
    changed: str
    cancelled: str
    create_doc: str
    change_doc: str
    list_doc: str
    own_doc: str


# The API paths and audit names say ketamine where screens say dosing session:
# they predate the name, and clients and the audit log already hold them.
KINDS = (
    Kind(
        name="dosing_session",
        path="ketamine-sessions",
        model=DosingSession,
        create=services.create_dosing_session,
        change=services.change_dosing_session,
        create_schema=DosingSessionCreateSchema,
        change_schema=DosingSessionChangeSchema,
        schema=TherapistDosingSessionSchema,
        page_schema=TherapistDosingSessionPageSchema,
        own_page_schema=DosingSessionPageSchema,
        object_type="ketamine_session",
        created="ketamine_session_created",
        changed="ketamine_session_changed",
        cancelled="ketamine_session_cancelled",
        create_doc="Book a dosing session for a patient on my care team.",
        change_doc="Move, edit, complete or cancel a dosing session; send the `version` you read.",
        list_doc="A patient's dosing sessions, oldest first, cancelled ones included.",
        own_doc="My dosing sessions, oldest first; pass `since` for the upcoming ones.",
    ),
    Kind(
        name="integration_session",
        path="integration-sessions",
        model=IntegrationSession,
        create=services.create_integration_session,
        change=services.change_integration_session,
        create_schema=IntegrationSessionCreateSchema,
        change_schema=IntegrationSessionChangeSchema,
        schema=TherapistIntegrationSessionSchema,
        page_schema=TherapistIntegrationSessionPageSchema,
        own_page_schema=IntegrationSessionPageSchema,
        object_type="integration_session",
        created="integration_session_created",
        changed="integration_session_changed",
        cancelled="integration_session_cancelled",
        create_doc="Book an integration session with a patient on my care team.",
        change_doc=(
            "Move, resize, complete or cancel an integration session; send the `version` you read."
        ),
        list_doc="A patient's integration sessions, oldest first, cancelled ones included.",
        own_doc="My integration sessions, oldest first; pass `since` for the upcoming ones.",
    ),
)


def _audit(action: str, kind: Kind, session) -> None:
    record(
        action, patient_id=session.patient_id, object_type=kind.object_type, object_id=session.id
    )


def _register(kind: Kind) -> None:
    """One kind's routes: the therapist's create, change and list, and the patient's list."""
    patients = f"/patients/<uuid:patient_id>/{kind.path}"

    @blp.route(patients, methods=["POST"], endpoint=f"create_{kind.name}")
    @blp.doc(summary=kind.create_doc)
    @access.therapist_only
    @blp.arguments(kind.create_schema)
    @creates(blp, kind.schema, conflict=f"{ID_REUSED} {CLASH}")
    @blp.alt_response(404, description=NOT_IN_CARE)
    def create(data, patient_id):
        patient = access.patient_in_care(patient_id)
        session, created = kind.create(patient, current_user, data)
        if created:
            _audit(kind.created, kind, session)
        return session, created

    @blp.route(f"{patients}/<uuid:session_id>", methods=["PATCH"], endpoint=f"change_{kind.name}")
    @blp.doc(summary=kind.change_doc)
    @access.therapist_only
    @blp.arguments(kind.change_schema)
    @blp.response(200, kind.schema)
    @blp.alt_response(404, description=NOT_IN_CARE + " Or the session is not this patient's.")
    @blp.alt_response(409, description=f"{STALE} {CLASH}")
    def change(data, patient_id, session_id):
        patient = access.patient_in_care(patient_id)
        session = services.session_of(kind.model, patient, session_id)
        session, changed = kind.change(session, data, patient)
        if changed:
            cancelled = data.get("status") == "cancelled"
            _audit(kind.cancelled if cancelled else kind.changed, kind, session)
        return session

    @blp.route(patients, endpoint=f"list_patient_{kind.name}s")
    @blp.doc(summary=kind.list_doc)
    @access.therapist_only
    @blp.arguments(ScheduleQuerySchema, location="query")
    @blp.response(200, kind.page_schema)
    @blp.alt_response(404, description=NOT_IN_CARE)
    def patient_list(query, patient_id):
        patient = access.patient_in_care(patient_id)
        record("schedule_read", patient_id=patient.id, object_type=kind.object_type)
        return queries.sessions_page(kind.model, patient.id, **query)

    @blp.route(f"/{kind.path}", endpoint=f"my_{kind.name}s")
    @blp.doc(summary=kind.own_doc)
    @access.patient_only
    @blp.arguments(ScheduleQuerySchema, location="query")
    @blp.response(200, kind.own_page_schema)
    def own_list(query):
        return queries.sessions_page(kind.model, current_user.id, **query)


for _kind in KINDS:
    _register(_kind)


# -- patient: my phase --------------------------------------------------------------


@blp.route("/me/phase")
@access.patient_only
@blp.response(200, PhaseSchema)
def my_phase():
    """Where I am now: preparation, dosing day, early integration or integration."""
    phase = phase_at(current_user, utcnow())
    return {
        "name": phase.name,
        "ketamine_session_id": phase.ketamine_session_id,
        "ketamine_session_at": phase.ketamine_session_at,
        "time_zone": current_user.time_zone,
    }
