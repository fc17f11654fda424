"""Writing audit events, and announcing a sharing change it records. Callers pass
identifiers, never content (the shared item itself goes only to `signals.item_shared`)."""

import uuid

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import Select, func, insert, literal, select

from server.audit.actions import known
from server.audit.models import AuditEvent
from server.db import utcnow
from server.extensions import db
from server.signals import item_shared


def _who_and_where(actor, clinic_id: uuid.UUID | None) -> dict:
    """The columns saying who acted (default: the current user) and from where."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    in_request = has_request_context()
    return {
        "actor_id": actor.id if actor else None,
        "actor_role": actor.role if actor else None,
        "clinic_id": clinic_id or (actor.clinic_id if actor else None),
        "ip_address": request.remote_addr if in_request else None,
        "user_agent": ((request.user_agent.string or "")[:200] or None) if in_request else None,
    }


def _event(
    action: str,
    *,
    patient_id: uuid.UUID | None = None,
    object_type: str | None = None,
    object_id: uuid.UUID | None = None,
    actor=None,
    clinic_id: uuid.UUID | None = None,
) -> AuditEvent:
    event = AuditEvent(
        action=known(action),
        patient_id=patient_id,
        object_type=object_type,
        object_id=object_id,
        **_who_and_where(actor, clinic_id),
    )
    db.session.add(event)
    return event


def record(action: str, **about) -> AuditEvent:
    """Add an audit event for `action` by `actor` (default: the current user).

    `about`: `patient_id`, `object_type`, `object_id`, `actor`, `clinic_id`.
    """
    return _event(action, **about)


def record_sharing_change(patient_id: uuid.UUID, object_type: str, object_id: uuid.UUID) -> None:
    """A patient shared an item or made it private: which item, never what it says."""
    record("sharing_changed", patient_id=patient_id, object_type=object_type, object_id=object_id)


def sharing_changed(patient_id: uuid.UUID, item) -> None:
    """A patient's item (it has `kind`, `id` and `shared`) was shared or made private:
    audited, and when newly shared announced with `signals.item_shared`, so the rules
    that read only shared items judge it then (`server.flags.receivers`)."""
    record_sharing_change(patient_id, item.kind, item.id)
    if item.shared:
        item_shared.send(item)


def record_refusal(action: str, **about) -> None:
    """An event kept although the request fails (a refused sign-in, a refused read).

    Committed at once, since the failed request rolls back: call it only
    where the request has written nothing of its own yet (credential checks
    and access decisions come first in a view). `about` as for `record`.
    """
    _event(action, **about)
    db.session.commit()


def record_reads(action: str, patient_ids: Select, *, object_type: str) -> None:
    """One event per patient for a list that shows several patients' data at once.

    So "who saw this patient's data" is answered by the patient's own events,
    whatever the care team looked like at the time. `patient_ids` is a SELECT
    of the patients shown; the events are written by one INSERT … SELECT in
    the database, so no row of them passes through Python.
    """
    ids = patient_ids.subquery()
    if db.session.get_bind().dialect.name == "postgresql":
        new_id = func.gen_random_uuid()
    else:  # SQLite keeps a UUID as 32 hex digits
        new_id = func.lower(func.hex(func.randomblob(16)))
    constants = {
        "action": known(action),
        "object_type": object_type,
        "at": utcnow(),
        **_who_and_where(None, None),
    }
    table = AuditEvent.__table__
    columns = ["id", "patient_id", *constants]
    values = [
        new_id,
        ids.c[0],
        *(literal(value, table.c[name].type) for name, value in constants.items()),
    ]
    db.session.execute(insert(table).from_select(columns, select(*values)))
