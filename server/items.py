"""What every patient-written item shares, whichever feature keeps it.

Check-ins and journal entries (journal) and questionnaire responses
(measures) are items a patient writes, may share with their care team, and
may delete. Each feature's model names its `kind`; this module holds what
they do alike: who may see them, the tombstone a deleted one leaves, and
the idempotent insert of a new one.

Idempotency: an item carries its client-made `id`. A new item is stored by
one statement, `INSERT ... SELECT ... WHERE NOT EXISTS (its tombstone) ON
CONFLICT (id) DO NOTHING RETURNING id`, on PostgreSQL and SQLite alike: no
savepoint, no query first. Only when it inserts nothing (a replay, a race
lost, a buried id) is anything read, to answer 200 (the same request
again), 409 (the id holds something else) or 410 (the item was deleted).
"""

import uuid
from collections.abc import Callable
from datetime import datetime
from functools import cache

from sqlalchemy import ForeignKey, String, Uuid, bindparam, exists, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, make_transient_to_detached, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from server.db import utcnow
from server.errors import abort
from server.extensions import db


def visible_to_care_team(model) -> ColumnElement[bool]:
    """SQL: an item of `model` that its patient's care team may see.

    Shared, and not deleted: a deleted item's row is gone (its tombstone
    holds no content), so a statement that finds the row finds a live item.
    A private item is invisible to the care team, even as a count.
    """
    return model.shared.is_(True)


# --- tombstones --------------------------------------------------------------


class DeletedItem(db.Model):
    """A tombstone: an item the patient deleted, so a replay cannot bring it back.

    The offline outbox may replay a create long after the item was deleted
    on another device; the tombstone makes that replay a 410 instead of a
    resurrection. It holds no content, only which id of which kind went when.
    """

    __tablename__ = "deleted_items"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    deleted_at: Mapped[datetime] = mapped_column(default=utcnow)


def bury(item) -> DeletedItem:
    """Delete a patient's item for good, leaving a tombstone with no content.

    A replayed create of a buried id is then answered 410 Gone
    (`refuse_buried`) instead of bringing the item back.
    """
    tombstone = db.session.get(DeletedItem, (item.id, item.kind))
    if tombstone is None:
        tombstone = DeletedItem(id=item.id, kind=item.kind, patient_id=item.patient_id)
        db.session.add(tombstone)
    db.session.delete(item)
    db.session.flush()
    return tombstone


def tombstone_of(item_id: uuid.UUID, kind: str | None = None) -> DeletedItem | None:
    """The tombstone of a deleted item id (of `kind`, or of any kind)."""
    query = select(DeletedItem).where(DeletedItem.id == item_id)
    if kind is not None:
        query = query.where(DeletedItem.kind == kind)
    return db.session.scalars(query.limit(1)).first()


def refuse_buried(item_id: uuid.UUID, kind: str, patient, noun: str = "item") -> None:
    """410 when `patient` deleted this id before; 409 when someone else's item had it."""
    tombstone = tombstone_of(item_id, kind)
    if tombstone is None:
        return
    if tombstone.patient_id == patient.id:
        abort(410, f"This {noun} was deleted; it cannot be stored again under the same id.")
    id_taken(noun)


def id_taken(noun: str = "item"):
    abort(
        409,
        f"A different {noun} was already stored with this id.",
        errors={"id": [f"Already used for a different {noun}."]},
    )


# --- the idempotent insert ------------------------------------------------------

_DIALECT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@cache
def _insert_unless_known(model, dialect: str):
    """The statement storing one new `model` row, and its (column, attribute) pairs.

    Inserts nothing when the id is already stored (ON CONFLICT on the
    primary key: a racing twin waits for the first insert's transaction,
    then does nothing) or when the id was buried (its tombstone). Any other
    integrity fault still raises. Built once per model and dialect.
    """
    table = model.__table__
    mapper = inspect(model)
    pairs = [(column, mapper.get_property_by_column(column).key) for column in table.columns]
    params = {column.name: bindparam(column.name, type_=column.type) for column, _ in pairs}
    buried = exists().where(DeletedItem.id == params["id"], DeletedItem.kind == model.kind)
    statement = (
        _DIALECT_INSERTS[dialect](table)
        .from_select(list(params), select(*params.values()).where(~buried))
        .on_conflict_do_nothing(index_elements=[table.c.id])
        .returning(table.c.id)
    )
    return statement, pairs


def _insert(model, item) -> bool:
    """Store `item` unless its id is known (stored or buried); True if it was stored.

    The item then is what a query would have loaded: persistent in the
    session, every column set (Python-side defaults applied here).
    """
    statement, pairs = _insert_unless_known(model, db.session.get_bind().dialect.name)
    values = {}
    for column, key in pairs:
        value = getattr(item, key)
        if value is None and column.default is not None:
            default = column.default
            value = default.arg(None) if default.is_callable else default.arg
            setattr(item, key, value)
        values[column.name] = value
    if db.session.execute(statement, values).first() is None:
        return False
    make_transient_to_detached(item)
    db.session.add(item)
    return True


def replayed(stored, patient, same: Callable[[object], bool], noun: str = "item"):
    """The stored item when this is the same request again; else 409."""
    if stored.patient_id != patient.id or not same(stored):
        id_taken(noun)
    return stored


def store_once(item, patient, same: Callable[[object], bool], noun: str = "item"):
    """Insert `item`; if its id is known, answer as a replay, a 409 or a 410.

    Returns `(item, created)`: the new item, or the stored one when `same`
    says it is what the request sent.
    """
    model = type(item)
    if not _insert(model, item):
        # A replay, or two identical requests raced and the other stored it first.
        stored = db.session.scalar(
            select(model).where(model.id == item.id).execution_options(populate_existing=True)
        )
        if stored is None:
            refuse_buried(item.id, model.kind, patient, noun)
            # Neither stored nor buried, yet not inserted: a genuine fault (500).
            raise RuntimeError(f"{model.__name__} insert stored nothing")
        return replayed(stored, patient, same, noun), False
    return item, True
