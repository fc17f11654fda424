"""Validated measures: definitions, answering, history, what is due, the plan."""

from flask_login import current_user
from flask_smorest import Blueprint

from server import access
from server.api import creates
from server.audit.services import record
from server.care.models import DosingSession
from server.db import utcnow
from server.errors import abort
from server.extensions import db
from server.measures import outcomes, plan_queries, queries, scoring, services
from server.measures.models import MeasureResponse
from server.measures.schemas import (
    DefinitionSchema,
    DueListSchema,
    HistoryQuerySchema,
    ItemTableSchema,
    OutcomesQuerySchema,
    OutcomesSchema,
    PlanSchema,
    PlanViewSchema,
    ResponseCreateSchema,
    ResponsePageSchema,
    ResponseSchema,
    ResponseUpdateSchema,
    SeriesMarkSchema,
    TableQuerySchema,
)

blp = Blueprint("measures", __name__, url_prefix="/api/v1", description="PHQ-9, GAD-7 and PCL-5")


def _instrument(instrument: str) -> str:
    if instrument not in scoring.INSTRUMENTS:
        abort(404, "No such questionnaire.")
    return instrument


def _definition(instrument: str) -> dict:
    published = scoring.definition(instrument)
    return {
        "instrument": instrument,
        "name": published["name"],
        "title": published["title"],
        "instructions": published["instructions"],
        "recall_period": published["recall_period"],
        "stem": published.get("stem"),
        "items": [
            {"number": number, "text": text}
            for number, text in enumerate(published["items"], start=1)
        ],
        "options": published["options"],
        "total_range": published["total_range"],
        "bands": [
            {"min": low, "max": high, "label": label}
            for low, high, label in published.get("bands", ())
        ],
        "threshold": _threshold(instrument),
        "safety_item": published.get("safety_item"),
        "difficulty": published.get("unscored_followup"),
        "clusters": published.get("clusters"),
    }


def _threshold(instrument: str) -> dict | None:
    if instrument not in scoring.THRESHOLDS:
        return None
    cutoff, label = scoring.THRESHOLDS[instrument]
    return {"label": label, "cutoff": cutoff, "met": None}


def _index_event(instrument: str) -> str | None:
    """The PCL-5's index event named by the patient's therapist, for the patient only."""
    if instrument != "pcl5" or current_user.role != "patient":
        return None
    return queries.measure_plan(current_user.id).index_event


# Static paths are declared before `/measures/<instrument>`; Werkzeug also
# prefers them, so `responses` and `due` are never read as an instrument.


@blp.route("/measures/responses")
@access.patient_only
@blp.arguments(HistoryQuerySchema, location="query")
@blp.response(200, ResponsePageSchema)
def history(args):
    """My answered questionnaires, newest first, with baseline, change and markers."""
    items, next_cursor = queries.history(
        current_user.id,
        instrument=args["instrument"],
        cursor=args["cursor"],
        limit=args["limit"],
    )
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/measures/responses/<uuid:response_id>")
@access.patient_only
@blp.response(200, ResponseSchema)
def get_response(response_id):
    """One of my answered questionnaires."""
    return queries.response_detail(access.own_item(MeasureResponse, response_id))


@blp.route("/measures/responses/<uuid:response_id>", methods=["PATCH"])
@access.patient_only
@blp.arguments(ResponseUpdateSchema)
@blp.response(200, ResponseSchema)
def update_response(data, response_id):
    """Share or unshare, or mark for the next session; send the `version` you read."""
    response = access.own_item(MeasureResponse, response_id)
    services.update_response(response, data, current_user)
    return queries.response_detail(response)


@blp.route("/measures/responses/<uuid:response_id>", methods=["DELETE"])
@access.patient_only
@blp.response(204)
def delete_response(response_id):
    """Delete one of my answered questionnaires."""
    services.delete_response(access.own_item(MeasureResponse, response_id))


@blp.route("/measures/due")
@access.patient_only
@blp.response(200, DueListSchema)
def due():
    """The questionnaires I should fill now, with why."""
    return {"items": queries.due_measures(current_user, utcnow())}


@blp.route("/measures/<instrument>")
@access.signed_in
@blp.response(200, DefinitionSchema)
def definition(instrument):
    """A questionnaire's published wording, options and scoring bands.

    `difficulty` is the unscored item asked after the last one (PHQ-9,
    GAD-7). For a patient, the PCL-5 carries `index_event`: what "the
    stressful experience" means, as their therapist named it.
    """
    return _definition(_instrument(instrument)) | {"index_event": _index_event(instrument)}


@blp.route("/measures/<instrument>/responses", methods=["POST"])
@access.patient_only
@blp.arguments(ResponseCreateSchema)
@creates(blp, ResponseSchema, replay="A replay: the stored response.")
def answer(data, instrument):
    """Answer a questionnaire; the server scores it and raises any flags.

    Replaying the same request returns the stored response (200); the same
    `id` with a different body is 409. `show_crisis_resources` is true when
    the answers call for crisis resources at once (PHQ-9 item 9 above 0).
    """
    response, created = services.create_response(current_user, _instrument(instrument), data)
    return queries.response_detail(response), created


@blp.route("/patients/<uuid:patient_id>/measure-plan")
@access.therapist_only
@blp.response(200, PlanViewSchema)
def get_plan(patient_id):
    """Which questionnaires this patient is asked to fill, what is due and why, each series."""
    patient = access.patient_in_care(patient_id)
    record("measure_plan_read", patient_id=patient.id, object_type="measure_plan")
    return plan_queries.plan_view(patient, utcnow())


@blp.route("/patients/<uuid:patient_id>/measure-plan", methods=["PATCH"])
@access.therapist_only
@blp.arguments(PlanSchema)
@blp.response(200, PlanViewSchema)
def update_plan(data, patient_id):
    """Switch questionnaires on or off, ask for one now, name the PCL-5's index event."""
    patient = access.patient_in_care(patient_id)
    services.update_plan(patient, data, current_user)
    record("measure_plan_changed", patient_id=patient.id, object_type="measure_plan")
    return plan_queries.plan_view(patient, utcnow())


@blp.route(
    "/patients/<uuid:patient_id>/ketamine-sessions/<uuid:session_id>/series-start",
    methods=["PUT"],
)
@access.therapist_only
@blp.arguments(SeriesMarkSchema)
@blp.response(200, PlanViewSchema)
def mark_series_start(data, patient_id, session_id):
    """Mark (or unmark) a dosing session as the first of a new treatment series."""
    patient = access.patient_in_care(patient_id)
    session = db.session.get(DosingSession, session_id)
    if session is None or session.patient_id != patient.id:
        abort(404, "No such dosing session.")
    services.mark_series_start(patient, session, current_user, data["new_series"])
    record(
        "series_start_changed",
        patient_id=patient.id,
        object_type="ketamine_session",
        object_id=session.id,
    )
    return plan_queries.plan_view(patient, utcnow())


@blp.route("/patients/<uuid:patient_id>/measures/<instrument>/table")
@access.therapist_only
@blp.arguments(TableQuerySchema, location="query")
@blp.response(200, ItemTableSchema)
def item_table(args, patient_id, instrument):
    """A questionnaire's shared responses item by item, oldest first, for printing."""
    patient = access.patient_in_care(patient_id)
    instrument = _instrument(instrument)
    record("measure_table_read", patient_id=patient.id, object_type="measure_response")
    return plan_queries.item_table(patient.id, instrument, args["limit"])


@blp.route("/reports/outcomes")
@access.admin_only
@blp.arguments(OutcomesQuerySchema, location="query")
@blp.response(200, OutcomesSchema)
def outcomes_report(query):
    """My clinic's outcomes per questionnaire: started, followed up, responded, remitted,
    with the counts behind each rate and no patient named; `?format=csv` for a spreadsheet."""
    rows = outcomes.outcomes(current_user.clinic_id)
    if query["format"] == "csv":
        return outcomes.as_csv(rows)
    return {"items": rows}
