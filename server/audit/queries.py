"""Reading the audit log: one clinic's events, newest first, keyset-paged."""

import base64
import json
import uuid
from datetime import datetime

from sqlalchemy import and_, or_, select

from server.audit.models import AuditEvent
from server.errors import abort
from server.extensions import db


def encode_cursor(event: AuditEvent) -> str:
    raw = json.dumps([event.at.isoformat(), str(event.id)]).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        at, event_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed, uuid.UUID(event_id)
    except (ValueError, TypeError, UnicodeDecodeError, json.JSONDecodeError):
        abort(422, "The cursor is not valid.", errors={"cursor": ["Not a cursor from this list."]})


def clinic_events(
    clinic_id: uuid.UUID,
    *,
    patient_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[AuditEvent], str | None]:
    """A page of `clinic_id`'s audit events, newest first, and the next page's cursor.

    One statement whatever the filters; `(at, id)` keyset paging stays
    stable while new events arrive (they are newer than every cursor).
    """
    statement = select(AuditEvent).where(AuditEvent.clinic_id == clinic_id)
    if patient_id is not None:
        statement = statement.where(AuditEvent.patient_id == patient_id)
    if actor_id is not None:
        statement = statement.where(AuditEvent.actor_id == actor_id)
    if action is not None:
        statement = statement.where(AuditEvent.action == action)
    if since is not None:
        statement = statement.where(AuditEvent.at >= since)
    if until is not None:
        statement = statement.where(AuditEvent.at < until)
    if cursor:
        after_at, after_id = decode_cursor(cursor)
        statement = statement.where(
            or_(
                AuditEvent.at < after_at,
                and_(AuditEvent.at == after_at, AuditEvent.id < after_id),
            )
        )
    statement = statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit + 1)
    events = list(db.session.scalars(statement))
    next_cursor = encode_cursor(events[limit - 1]) if len(events) > limit else None
    return events[:limit], next_cursor
