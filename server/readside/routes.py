"""The therapist's read side: caseload, timeline, brief, and marking shared items read.

Therapists only. A patient who is not on the caller's care team, and an
item that is private, missing or another care team's, all answer the same
404. Every read is audited with identifiers only.
"""

import uuid

from flask import jsonify
from flask_login import current_user
from flask_smorest import Blueprint

from server import access
from server.audit.services import record, record_reads
from server.auth.models import User
from server.errors import abort
from server.fastdump import compiled
from server.readside import brief, caseload, marks, sql, summary, timeline
from server.readside.schemas import (
    BriefSchema,
    CaseloadQuerySchema,
    CaseloadSchema,
    PatientSummarySchema,
    TimelineQuerySchema,
    TimelineSchema,
)

blp = Blueprint(
    "readside",
    __name__,
    url_prefix="/api/v1",
    description="The therapist's caseload, timelines and session briefs",
)

# Compiled at import, so a schema the compiler cannot copy fails at start-up.
dump_caseload = compiled(CaseloadSchema)
dump_timeline = compiled(TimelineSchema)
dump_brief = compiled(BriefSchema)
dump_summary = compiled(PatientSummarySchema)

NOT_IN_CARE = "No such patient on your care team."
NO_ITEM = "No such shared item of a patient on your care team."


@blp.route("/patients")
@access.therapist_only
@blp.arguments(CaseloadQuerySchema, location="query")
@blp.response(200, CaseloadSchema)
def show_caseload(query):
    """My caseload: one row per patient on my care team, those needing attention first."""
    rows = caseload.caseload(current_user, sort=query["sort"])
    record_reads(
        "caseload_read",
        sql.care_team_patients(current_user).with_only_columns(User.id),
        object_type="caseload",
    )
    return jsonify(dump_caseload({"items": rows, "next_cursor": None}))


@blp.route("/patients/<uuid:patient_id>")
@access.therapist_only
@blp.response(200, PatientSummarySchema)
@blp.alt_response(404, description=NOT_IN_CARE)
def show_patient(patient_id):
    """A patient's summary: name, time zone, phase, next and last sessions, open flag counts."""
    patient = access.patient_in_care(patient_id)
    result = summary.summary(current_user, patient)
    record("patient_summary_read", patient_id=patient.id, object_type="patient")
    return jsonify(dump_summary(result))


@blp.route("/patients/<uuid:patient_id>/timeline")
@access.therapist_only
@blp.arguments(TimelineQuerySchema, location="query")
@blp.response(200, TimelineSchema)
@blp.alt_response(404, description=NOT_IN_CARE)
def show_timeline(query, patient_id):
    """What a patient shared, and their sessions, newest first; by default since the last
    integration session (or 30 days)."""
    patient = access.patient_in_care(patient_id)
    page = timeline.timeline(current_user, patient, **query)
    record("timeline_read", patient_id=patient.id, object_type="timeline")
    return jsonify(dump_timeline(page))


@blp.route("/patients/<uuid:patient_id>/brief")
@access.therapist_only
@blp.response(200, BriefSchema)
@blp.alt_response(404, description=NOT_IN_CARE)
def show_brief(patient_id):
    """The brief for the next integration session: items to discuss first, then entries,
    mood, scores, sessions and open flags."""
    patient = access.patient_in_care(patient_id)
    result = brief.brief(current_user, patient)
    record("brief_read", patient_id=patient.id, object_type="brief")
    return jsonify(dump_brief(result))


def _mark_read(item_type: str, item_id: uuid.UUID):
    patient_id = marks.shared_item_patient(current_user, item_type, item_id)
    if patient_id is None:
        abort(404, NO_ITEM)
    _, created = marks.mark_read(current_user, item_type, item_id, patient_id)
    if created:
        record("item_marked_read", patient_id=patient_id, object_type=item_type, object_id=item_id)
    return None


#: What a therapist marks read: (item type, route, the route's id, endpoint, its words).
MARKABLE = (
    ("checkin", "/checkins/<uuid:checkin_id>/read", "checkin_id", "mark_checkin_read", "check-in"),
    ("entry", "/entries/<uuid:entry_id>/read", "entry_id", "mark_entry_read", "journal entry"),
    (
        "measure_response",
        "/measures/responses/<uuid:response_id>/read",
        "response_id",
        "mark_response_read",
        "questionnaire response",
    ),
)


def _mark_route(item_type: str, rule: str, id_name: str, endpoint: str, words: str) -> None:
    @blp.route(rule, methods=["POST"], endpoint=endpoint)
    @blp.doc(summary=f"Mark a shared {words} read; marking again changes nothing.")
    @access.therapist_only
    @blp.response(204)
    @blp.alt_response(404, description=NO_ITEM)
    def mark(**ids):
        return _mark_read(item_type, ids[id_name])


for _markable in MARKABLE:
    _mark_route(*_markable)
