"""Audit events, append-only at two levels.

The ORM refuses to update or delete an event, whether through a loaded
object or a bulk UPDATE/DELETE statement (see the listeners at the end).
The database refuses too, through triggers (`server.audit.append_only`):
migration 0003 installs them, and the `after_create` hook below does when
`create_all` builds the table (the tests' databases), so a raw SQL change
made with the application's credentials fails as well.
"""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from server.audit import append_only
from server.db import IdMixin, utcnow
from server.extensions import db


class AuditEvent(IdMixin, db.Model):
    """One thing that happened to someone's data. Never holds the data itself.

    Foreign keys are deliberately absent on the people columns: the log must
    outlive an account deletion (it then records only that it happened).
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_clinic_at", "clinic_id", "at"),
        Index("ix_audit_events_patient_at", "patient_id", "at"),
    )

    clinic_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID | None]
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    patient_id: Mapped[uuid.UUID | None]
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[uuid.UUID | None]
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit event."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(_mapper, _connection, _target):
    raise AuditLogIsAppendOnly("audit events cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(_mapper, _connection, _target):
    raise AuditLogIsAppendOnly("audit events cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state):
    # `update(AuditEvent)` / `delete(AuditEvent)` skip the mapper events above.
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEvent for mapper in state.all_mappers
    ):
        raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")


@event.listens_for(AuditEvent.__table__, "after_create")
def _install_triggers(_table, connection, **_kw):
    append_only.install(connection)


@event.listens_for(AuditEvent.__table__, "before_drop")
def _uninstall_triggers(_table, connection, **_kw):
    append_only.uninstall(connection)
