"""Writing audit events. Callers pass identifiers, never content."""

import uuid

from flask import has_request_context, request
from flask_login import current_user

from server.audit.models import AuditEvent
from server.extensions import db


def record(
    action: str,
    *,
    patient_id: uuid.UUID | None = None,
    object_type: str | None = None,
    object_id: uuid.UUID | None = None,
    actor=None,
    clinic_id: uuid.UUID | None = None,
) -> AuditEvent:
    """Add an audit event for `action` by `actor` (default: the current user)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else None,
        clinic_id=clinic_id or (actor.clinic_id if actor else None),
        patient_id=patient_id,
        object_type=object_type,
        object_id=object_id,
    )
    if has_request_context():
        event.ip_address = request.remote_addr
        event.user_agent = (request.user_agent.string or "")[:200] or None
    db.session.add(event)
    return event
