"""Flags for the care team."""

from flask_login import current_user
from flask_smorest import Blueprint

from server import access
from server.audit.services import record
from server.errors import abort
from server.flags import queries, services
from server.flags.schemas import (
    AcknowledgedFlagSchema,
    FlagPageSchema,
    FlagQuerySchema,
    FlagSummarySchema,
)

blp = Blueprint("flags", __name__, url_prefix="/api/v1", description="Flags")


@blp.route("/flags")
@access.therapist_only
@blp.arguments(FlagQuerySchema, location="query")
@blp.response(200, FlagPageSchema)
def open_flags(args):
    """Open flags across my caseload, urgent first, newest first."""
    if args["patient_id"] is not None:
        access.patient_in_care(args["patient_id"])
    items, next_cursor = queries.open_flags(
        current_user, patient_id=args["patient_id"], cursor=args["cursor"], limit=args["limit"]
    )
    for patient_id in dict.fromkeys(item["patient_id"] for item in items):
        record("flags_read", patient_id=patient_id, object_type="flag")
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/flags/summary")
@access.therapist_only
@blp.response(200, FlagSummarySchema)
def flag_summary():
    """How many flags are open across my caseload, for the workspace's navigation.

    Two numbers and no patient, so reading them is not audited (the list is).
    """
    return queries.open_flag_summary(current_user)


@blp.route("/flags/<uuid:flag_id>/acknowledge", methods=["POST"])
@access.therapist_only
@blp.response(200, AcknowledgedFlagSchema)
def acknowledge(flag_id):
    """Mark a flag seen; acknowledging again changes nothing."""
    found = queries.visible_flag(current_user, flag_id)
    if found is None:
        abort(404, "No such flag.")
    flag, display_name, source_shown = found
    was_open = flag.acknowledged_at is None
    services.acknowledge(flag, current_user)
    if was_open:
        record(
            "flag_acknowledged", patient_id=flag.patient_id, object_type="flag", object_id=flag.id
        )
    row = queries.flag_row(flag, display_name, source_shown)
    row["seconds_to_acknowledge"] = int((flag.acknowledged_at - flag.raised_at).total_seconds())
    return row
