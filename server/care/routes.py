"""Scheduling routes: therapists book sessions for their patients; patients read theirs.

A therapist's read of a patient's schedule, and every change to it, is
audited (identifiers only).
"""

from flask_login import current_user
from flask_smorest import Blueprint

from server import access
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

KETAMINE = "/patients/<uuid:patient_id>/ketamine-sessions"
INTEGRATION = "/patients/<uuid:patient_id>/integration-sessions"


def _audit_change(kind: str, session, data) -> None:
    action = "cancelled" if data.get("status") == "cancelled" else "changed"
    record(
        f"{kind}_{action}", patient_id=session.patient_id, object_type=kind, object_id=session.id
    )


# -- therapist: dosing sessions ----------------------------------------------------


@blp.route(KETAMINE, methods=["POST"])
@access.therapist_only
@blp.arguments(DosingSessionCreateSchema)
@blp.response(201, TherapistDosingSessionSchema)
@blp.alt_response(200, schema=TherapistDosingSessionSchema, description="A replay.")
@blp.alt_response(404, description=NOT_IN_CARE)
@blp.alt_response(409, description=f"{ID_REUSED} {CLASH}")
def create_dosing_session(data, patient_id):
    """Book a dosing session for a patient on my care team."""
    patient = access.patient_in_care(patient_id)
    session, created = services.create_dosing_session(patient, current_user, data)
    if not created:
        return session, 200
    record(
        "ketamine_session_created",
        patient_id=patient.id,
        object_type="ketamine_session",
        object_id=session.id,
    )
    return session


@blp.route(f"{KETAMINE}/<uuid:session_id>", methods=["PATCH"])
@access.therapist_only
@blp.arguments(DosingSessionChangeSchema)
@blp.response(200, TherapistDosingSessionSchema)
@blp.alt_response(404, description=NOT_IN_CARE + " Or the session is not this patient's.")
@blp.alt_response(409, description=f"{STALE} {CLASH}")
def change_dosing_session(data, patient_id, session_id):
    """Move, edit, complete or cancel a dosing session; send the `version` you read."""
    patient = access.patient_in_care(patient_id)
    session = services.session_of(DosingSession, patient, session_id)
    session, changed = services.change_dosing_session(session, data, patient)
    if changed:
        _audit_change("ketamine_session", session, data)
    return session


@blp.route(KETAMINE)
@access.therapist_only
@blp.arguments(ScheduleQuerySchema, location="query")
@blp.response(200, TherapistDosingSessionPageSchema)
@blp.alt_response(404, description=NOT_IN_CARE)
def list_patient_dosing_sessions(query, patient_id):
    """A patient's dosing sessions, oldest first, cancelled ones included."""
    patient = access.patient_in_care(patient_id)
    record("schedule_read", patient_id=patient.id, object_type="ketamine_session")
    return queries.sessions_page(DosingSession, patient.id, **query)


# -- therapist: integration sessions -------------------------------------------------


@blp.route(INTEGRATION, methods=["POST"])
@access.therapist_only
@blp.arguments(IntegrationSessionCreateSchema)
@blp.response(201, TherapistIntegrationSessionSchema)
@blp.alt_response(200, schema=TherapistIntegrationSessionSchema, description="A replay.")
@blp.alt_response(404, description=NOT_IN_CARE)
@blp.alt_response(409, description=f"{ID_REUSED} {CLASH}")
def create_integration_session(data, patient_id):
    """Book an integration session with a patient on my care team."""
    patient = access.patient_in_care(patient_id)
    session, created = services.create_integration_session(patient, current_user, data)
    if not created:
        return session, 200
    record(
        "integration_session_created",
        patient_id=patient.id,
        object_type="integration_session",
        object_id=session.id,
    )
    return session


@blp.route(f"{INTEGRATION}/<uuid:session_id>", methods=["PATCH"])
@access.therapist_only
@blp.arguments(IntegrationSessionChangeSchema)
@blp.response(200, TherapistIntegrationSessionSchema)
@blp.alt_response(404, description=NOT_IN_CARE + " Or the session is not this patient's.")
@blp.alt_response(409, description=f"{STALE} {CLASH}")
def change_integration_session(data, patient_id, session_id):
    """Move, resize, complete or cancel an integration session; send the `version` you read."""
    patient = access.patient_in_care(patient_id)
    session = services.session_of(IntegrationSession, patient, session_id)
    session, changed = services.change_integration_session(session, data, patient)
    if changed:
        _audit_change("integration_session", session, data)
    return session


@blp.route(INTEGRATION)
@access.therapist_only
@blp.arguments(ScheduleQuerySchema, location="query")
@blp.response(200, TherapistIntegrationSessionPageSchema)
@blp.alt_response(404, description=NOT_IN_CARE)
def list_patient_integration_sessions(query, patient_id):
    """A patient's integration sessions, oldest first, cancelled ones included."""
    patient = access.patient_in_care(patient_id)
    record("schedule_read", patient_id=patient.id, object_type="integration_session")
    return queries.sessions_page(IntegrationSession, patient.id, **query)


# -- patient: my schedule and phase --------------------------------------------------


@blp.route("/ketamine-sessions")
@access.patient_only
@blp.arguments(ScheduleQuerySchema, location="query")
@blp.response(200, DosingSessionPageSchema)
def my_dosing_sessions(query):
    """My dosing sessions, oldest first; pass `since` for the upcoming ones."""
    return queries.sessions_page(DosingSession, current_user.id, **query)


@blp.route("/integration-sessions")
@access.patient_only
@blp.arguments(ScheduleQuerySchema, location="query")
@blp.response(200, IntegrationSessionPageSchema)
def my_integration_sessions(query):
    """My integration sessions, oldest first; pass `since` for the upcoming ones."""
    return queries.sessions_page(IntegrationSession, current_user.id, **query)


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
