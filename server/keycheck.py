"""A key check value: the app refuses keys that open none of the stored data.

`key_checks` holds, for each key texts were written under, a known
plaintext sealed with that key. At start-up (and from `/readyz` and the
first API request, when the database could not be reached at start-up)
the configured keys must open at least one of them; otherwise a valid
but wrong key would start, encrypt new texts under itself, and leave
every older text unreadable. A database written before this table
existed is judged by one stored text of each encrypted column instead.

Once the keys pass, the newest key is recorded, so the next start
knows it. `flask keys rotate` removes the rows of keys no text is under
any more.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app, request
from sqlalchemy import delete, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from server import crypto, dbfaults
from server.db import utcnow
from server.errors import abort
from server.extensions import db

log = logging.getLogger(__name__)
PLAINTEXT = "between key check"
STATE = "between.keycheck"


class KeyCheck(db.Model):
    __tablename__ = "key_checks"

    key_id: Mapped[str] = mapped_column(db.String(8), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(db.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class EncryptedColumn:
    """One `EncryptedText` attribute of a mapped class and the column it stores into."""

    model: type
    name: str
    column: str

    @property
    def label(self) -> str:
        return f"{self.model.__tablename__}.{self.name}"


def encrypted_columns() -> list[EncryptedColumn]:
    """Every `EncryptedText` attribute of every mapped model, whichever feature owns it.

    Found by scanning the mapped classes, so a feature that adds encrypted
    text is rotated without being listed anywhere.
    """
    found = []
    for mapper in sorted(db.Model.registry.mappers, key=lambda m: m.class_.__name__):
        model = mapper.class_
        seen = set()
        for klass in model.__mro__:
            for name, attribute in vars(klass).items():
                if isinstance(attribute, crypto.EncryptedText) and name not in seen:
                    seen.add(name)
                    found.append(EncryptedColumn(model, name, attribute.column))
    return found


def _context(key_hex: str) -> str:
    return f"key_checks.sealed:{key_hex}"


def _opens(ring: crypto.Keyring, row: KeyCheck) -> bool:
    try:
        return ring.decrypt(row.sealed, _context(row.key_id)) == PLAINTEXT
    except crypto.DecryptionError:
        return False


def _stored_texts_open(ring: crypto.Keyring) -> bool | None:
    """For a database without key checks: does any configured key open a stored text?

    One text per encrypted column; None when there are none at all.
    """
    seen = False
    for target in encrypted_columns():
        blob_column = getattr(target.model, target.column)
        row = db.session.execute(
            select(target.model.id, blob_column).where(blob_column.is_not(None)).limit(1)
        ).first()
        if row is None:
            continue
        seen = True
        context = crypto.row_context(target.model.__tablename__, target.name, row[0])
        try:
            ring.decrypt(row[1], context)
            return True
        except crypto.DecryptionError:
            continue
    return False if seen else None


def problem(ring: crypto.Keyring) -> str | None:
    """What is wrong with the configured keys for this database, or None.

    Records the newest key's check when the keys pass. Database errors
    propagate (the caller decides whether that stops start-up).
    """
    if not inspect(db.session.connection()).has_table(KeyCheck.__tablename__):
        return None  # not migrated yet: there is nothing to check against
    rows = db.session.scalars(select(KeyCheck)).all()
    configured = ", ".join(key.key_id.hex() for key in ring.by_id.values())
    if rows and not any(_opens(ring, row) for row in rows):
        stored = ", ".join(sorted(row.key_id for row in rows))
        return (
            "ENCRYPTION_KEYS opens none of the data in this database: it was written with "
            f"key id(s) {stored}, and the configured keys have id(s) {configured}. Configure "
            "the key(s) it was written with (to change keys, see Key rotation in docs/deploy.md)."
        )
    if not rows and _stored_texts_open(ring) is False:
        return (
            "ENCRYPTION_KEYS opens none of the texts stored in this database (configured key "
            f"id(s) {configured}). Configure the key(s) they were written with."
        )
    newest = ring.newest.key_id.hex()
    if all(row.key_id != newest for row in rows):
        record(ring)
    return None


def record(ring: crypto.Keyring) -> None:
    """Seal the check value under the newest key (a no-op if another process did)."""
    newest = ring.newest.key_id.hex()
    try:
        with db.session.begin_nested():
            db.session.add(
                KeyCheck(key_id=newest, sealed=ring.encrypt(PLAINTEXT, _context(newest)))
            )
    except IntegrityError:
        pass  # recorded meanwhile by another process
    db.session.commit()


def forget_all_but_newest(ring: crypto.Keyring) -> None:
    """After a complete rotation no text is under an older key: forget those keys."""
    record(ring)
    db.session.execute(delete(KeyCheck).where(KeyCheck.key_id != ring.newest.key_id.hex()))
    db.session.commit()


def verify(app: Flask) -> str | None:
    """Check the keys once; remember a pass. Returns the problem, if any."""
    if app.extensions.get(STATE) == "ok":
        return None
    try:
        found = problem(app.extensions["between.keyring"])
    finally:
        db.session.remove()
    app.extensions[STATE] = found or "ok"
    return found


def verify_at_startup(app: Flask) -> None:
    """Refuse to start on keys that open nothing here; defer if the database is away."""
    if not app.config.get("KEY_CHECK", True):
        app.extensions[STATE] = "ok"
        return
    with app.app_context():
        try:
            found = verify(app)
        except dbfaults.UNAVAILABLE as error:
            log.warning("key check deferred until the database answers (%s)", type(error).__name__)
            return
    if found:
        raise crypto.ConfigurationError(found)


def before_api_request():
    """An API request is refused while the keys are unchecked or wrong (start-up deferred)."""
    app = current_app._get_current_object()
    if app.extensions.get(STATE) == "ok" or not request.path.startswith("/api/"):
        return
    if verify(app):
        abort(
            503,
            "The service's encryption keys do not match its data; an operator must fix "
            "ENCRYPTION_KEYS.",
            type_="/problems/encryption-keys",
            headers={"Retry-After": "60"},
        )


def register(app: Flask) -> None:
    app.before_request(before_api_request)
