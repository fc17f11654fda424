"""The declarative base, naming convention, id and time mixins, UTC times, and edits
checked against the version their editor read."""

import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, TypeDecorator, Uuid
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, object_session, registry
from sqlalchemy.orm.exc import StaleDataError

from server.errors import stale

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every database.

    SQLite forgets offsets, so times are normalised to UTC on the way in and
    marked UTC on the way out; PostgreSQL stores timestamptz.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime, uuid.UUID: Uuid},
    )


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class CreatedMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@contextmanager
def versioned_edit(row, version: int, what: str = "This item") -> Iterator[None]:
    """Edit `row` in the block if `version` is the stored one; else 409, nothing written.

    The changes are flushed on leaving the block. The UPDATE checks the
    version too (`version_id_col`), so of two racing edits that both passed
    the first check, the later is a 409 as well (the request rolls back).
    """
    if version != row.version:
        stale(what)
    yield
    try:
        object_session(row).flush()
    except StaleDataError:
        stale(what)


def fingerprint(seen) -> str:
    """The `version` of something kept whole without a counter of its own (a clinic's
    checklist, its prompt times): a short fingerprint of `seen`, all of it as a reader
    was shown it (anything JSON can encode). Computed from what the caller holds."""
    encoded = json.dumps(seen, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


def unchanged_since_read(version: str | None, seen, what: str = "This item") -> None:
    """409 (`stale`), before anything is written, if `version` (the `fingerprint` its editor
    read) is not `seen`'s, the same thing as stored now: the caller holds its row locked,
    so two saves are checked in turn. Without a version there is nothing to check."""
    if version is not None and version != fingerprint(seen):
        stale(what)


def insert_first(session, row, what: str = "This item") -> None:
    """Insert `row`, the first of what is kept one to an owner (its key, e.g. the clinic's
    id). Two first saves at once both found no row to lock: the later insert meets the
    earlier one's key and is undone (a savepoint), and it is a 409 (`stale`) like any save
    over something changed since it was read; the request rolls back the rest."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        stale(what)
