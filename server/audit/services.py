"""Writing audit events. Callers pass identifiers, never content."""

import uuid

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import insert

from server.audit.models import AuditEvent
from server.db import utcnow
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


def record_reads(action: str, patient_ids, *, object_type: str) -> None:
    """One event per patient for a list that shows several patients' data at once.

    So "who saw this patient's data" is answered by the patient's own events,
    whatever the care team looked like at the time. One INSERT whatever the
    list's length.
    """
    actor = current_user if has_request_context() and current_user.is_authenticated else None
    common = {
        "action": action,
        "object_type": object_type,
        "actor_id": actor.id if actor else None,
        "actor_role": actor.role if actor else None,
        "clinic_id": actor.clinic_id if actor else None,
        "ip_address": request.remote_addr if has_request_context() else None,
        "user_agent": ((request.user_agent.string or "")[:200] or None)
        if has_request_context()
        else None,
        "at": utcnow(),
    }
    rows = [common | {"id": uuid.uuid4(), "patient_id": pid} for pid in patient_ids]
    if rows:
        db.session.execute(insert(AuditEvent), rows)
