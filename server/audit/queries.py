"""Reading the audit log: one clinic's events, newest first, keyset-paged."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from server import paging
from server.audit.models import AuditEvent
from server.auth.models import User
from server.extensions import db


@dataclass(frozen=True)
class AuditEntry:
    """An event as admins read it: its columns, and the names of the people in it.

    A name is None when the person's account is gone (the event keeps the id)
    or belongs to another clinic. Other attributes are the event's own.
    """

    event: AuditEvent
    actor_name: str | None
    patient_name: str | None

    def __getattr__(self, name):
        return getattr(self.event, name)


def _name(person) -> object:
    """The display name, or the email when there is none."""
    return func.coalesce(func.nullif(func.trim(person.display_name), ""), person.email)


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
) -> tuple[list[AuditEntry], str | None]:
    """A page of `clinic_id`'s audit events, newest first, and the next page's cursor.

    One statement whatever the filters and the page size: the names come from
    two outer joins to `users`, each limited to `clinic_id`'s own people, so
    another clinic's name never shows and a deleted account leaves the event
    listed with its id and no name. `(at, id)` keyset paging stays stable
    while new events arrive (they are newer than every cursor).
    """
    actor = aliased(User, name="actor")
    patient = aliased(User, name="patient")
    statement = (
        select(AuditEvent, _name(actor).label("actor_name"), _name(patient).label("patient_name"))
        .outerjoin(actor, and_(actor.id == AuditEvent.actor_id, actor.clinic_id == clinic_id))
        .outerjoin(
            patient, and_(patient.id == AuditEvent.patient_id, patient.clinic_id == clinic_id)
        )
        .where(AuditEvent.clinic_id == clinic_id)
    )
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
        after_at, after_id = paging.open(cursor, f"audit:{clinic_id}", datetime, uuid.UUID)
        statement = statement.where(
            or_(
                AuditEvent.at < after_at,
                and_(AuditEvent.at == after_at, AuditEvent.id < after_id),
            )
        )
    statement = statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit + 1)
    entries = [AuditEntry(*row) for row in db.session.execute(statement)]
    next_cursor = None
    if len(entries) > limit:
        last = entries[limit - 1].event
        next_cursor = paging.seal([last.at, last.id], f"audit:{clinic_id}")
    return entries[:limit], next_cursor
