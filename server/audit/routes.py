"""The clinic's audit log, for its admins."""

from flask_login import current_user
from flask_smorest import Blueprint

from server.audit import queries
from server.audit.actions import ACTIONS
from server.audit.schemas import AuditActionListSchema, AuditPageSchema, AuditQuerySchema
from server.audit.services import record
from server.auth import roles

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="The audit log")


@blp.route("/audit")
@roles.admin_only
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditPageSchema)
def audit_log(args):
    """Who read or changed whose data, when and from where; newest first.

    Only this clinic's events. Reading the log is itself recorded.
    """
    items, next_cursor = queries.clinic_events(current_user.clinic_id, **args)
    # Recorded after the query, so this page never shows its own reading.
    record("audit_log_read", patient_id=args["patient_id"], object_type="audit_log")
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/audit/actions")
@roles.admin_only
@blp.response(200, AuditActionListSchema)
def audit_actions():
    """Every action the log records, with what it means: the filter's choices."""
    return {"items": [{"name": name, "description": text} for name, text in ACTIONS.items()]}
