"""Flags for the care team."""

from flask_login import current_user
from flask_smorest import Blueprint

from server import access
from server.audit.services import record
from server.errors import abort
from server.flags import escalation, notices, queries, services
from server.flags import rules as flag_rules
from server.flags.models import OUTCOMES
from server.flags.schemas import (
    AcknowledgedFlagSchema,
    AcknowledgeSchema,
    FlagPageSchema,
    FlagQuerySchema,
    FlagRulesSchema,
    FlagSettingsSchema,
    FlagSummarySchema,
)

blp = Blueprint("flags", __name__, url_prefix="/api/v1", description="Flags")


@blp.route("/flags")
@access.staff_only
@blp.arguments(FlagQuerySchema, location="query")
@blp.response(200, FlagPageSchema)
def open_flags(args):
    """Open flags across my caseload, urgent first, newest first.

    An admin sees the clinic's escalated flags. The first page also carries
    the notices of patients who deleted their account with open flags.
    """
    if args["patient_id"] is not None:
        access.patient_in_care(args["patient_id"])
    items, next_cursor = queries.open_flags(
        current_user, patient_id=args["patient_id"], cursor=args["cursor"], limit=args["limit"]
    )
    for patient_id in dict.fromkeys(item["patient_id"] for item in items):
        record("flags_read", patient_id=patient_id, object_type="flag")
    first_page = not args["cursor"] and args["patient_id"] is None
    found = notices.notices_for(current_user) if first_page else []
    return {"items": items, "next_cursor": next_cursor, "notices": found}


@blp.route("/flags/summary")
@access.staff_only
@blp.response(200, FlagSummarySchema)
def flag_summary():
    """How many flags are open across my caseload (an admin: escalated), for the navigation.

    Two numbers and no patient, so reading them is not audited (the list is).
    """
    return queries.open_flag_summary(current_user)


@blp.route("/flags/rules")
@access.staff_only
@blp.response(200, FlagRulesSchema)
def flag_rules_list():
    """Why a flag is raised: each rule with its threshold, and the acknowledgement outcomes."""
    return {"items": flag_rules.rules(), "outcomes": OUTCOMES}


@blp.route("/flags/<uuid:flag_id>/acknowledge", methods=["POST"])
@access.therapist_only
@blp.arguments(AcknowledgeSchema)
@blp.response(200, AcknowledgedFlagSchema)
def acknowledge(data, flag_id):
    """Mark a flag seen with an outcome and an optional note; again changes nothing."""
    flag = queries.visible_flag(current_user, flag_id)
    if flag is None:
        abort(404, "No such flag.")
    if services.acknowledge(flag, current_user, outcome=data["outcome"], note=data["note"]):
        record(
            "flag_acknowledged", patient_id=flag.patient_id, object_type="flag", object_id=flag.id
        )
    row = queries.flag_row(current_user, flag.id)
    row["seconds_to_acknowledge"] = int((flag.acknowledged_at - flag.raised_at).total_seconds())
    return row


@blp.route("/clinic/flag-settings")
@access.staff_only
@blp.response(200, FlagSettingsSchema)
def flag_settings():
    """My clinic's flag settings: how long an urgent flag waits before it is escalated."""
    return escalation.settings(current_user.clinic_id)


@blp.route("/clinic/flag-settings", methods=["PUT"])
@access.admin_only
@blp.arguments(FlagSettingsSchema)
@blp.response(200, FlagSettingsSchema)
def set_flag_settings(data):
    """Replace my clinic's flag settings."""
    result = escalation.set_settings(current_user.clinic_id, admin=current_user, **data)
    record("flag_settings_changed", object_type="clinic", object_id=current_user.clinic_id)
    return result
