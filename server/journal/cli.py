"""`flask keys rotate`: re-encrypt every stored free text under the newest key.

Operators rotate in three steps, so no process ever meets a ciphertext it
cannot open:

1. put the new key first in ENCRYPTION_KEYS, keeping the old ones after it,
   on every web process and worker (new writes now use the new key);
2. run `flask keys rotate` (safe to run again, and to interrupt: each batch
   is committed and rows already under the newest key are skipped);
3. drop the old keys from ENCRYPTION_KEYS.

In development, `--new-key` does step 1 for the instance folder's secrets.
"""

import os
import uuid

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select, update

from server import crypto, keycheck
from server.extensions import db
from server.keycheck import EncryptedColumn, encrypted_columns
from server.secrets import new_encryption_key, save_instance_secret

keys_cli = AppGroup("keys", help="Manage the keys that encrypt stored free text.")


def rotate_column(target: EncryptedColumn, batch_size: int) -> int:
    """Re-encrypt one column's stale ciphertexts, committing per batch; returns how many.

    Core UPDATEs by primary key, not ORM writes: a rotation is not an edit,
    so it must not bump the row's `version` (a client's next edit would be
    refused as stale) nor its `updated_at`.
    """
    ring = crypto.keyring()
    model = target.model
    table = model.__table__
    blob_column = getattr(model, target.column)
    # Columns stamped on every UPDATE keep their value: set to themselves.
    unchanged = {column.key: column for column in table.columns if column.onupdate is not None}
    rotated = 0
    after: uuid.UUID | None = None
    while True:
        query = select(model.id, blob_column).where(blob_column.is_not(None))
        if after is not None:
            query = query.where(model.id > after)
        rows = db.session.execute(query.order_by(model.id).limit(batch_size)).all()
        if not rows:
            return rotated
        for row_id, blob in rows:
            if ring.is_current(blob):
                continue
            context = crypto.row_context(model.__tablename__, target.name, row_id)
            fresh = ring.encrypt(ring.decrypt(blob, context), context)
            # Only if the text is still the one read: a patient editing it
            # meanwhile wrote a newer ciphertext (under the newest key) that
            # must not be overwritten with the old text.
            result = db.session.execute(
                update(table)
                .where(table.c.id == row_id, table.c[target.column] == blob)
                .values({table.c[target.column]: fresh, **unchanged})
            )
            rotated += result.rowcount
        db.session.commit()
        after = rows[-1][0]


def add_development_key() -> None:
    """Prepend a new key to the instance folder's ENCRYPTION_KEYS and use it at once."""
    if current_app.config["ENV_NAME"] != "development":
        raise click.UsageError(
            "--new-key only works in development; elsewhere put the new key first in "
            "ENCRYPTION_KEYS on every process, then run `flask keys rotate`."
        )
    if os.environ.get("ENCRYPTION_KEYS"):
        raise click.UsageError(
            "ENCRYPTION_KEYS comes from the environment; put the new key first there."
        )
    keys = ",".join([new_encryption_key(), current_app.config["ENCRYPTION_KEYS"]])
    save_instance_secret(current_app.instance_path, "ENCRYPTION_KEYS", keys)
    current_app.config["ENCRYPTION_KEYS"] = keys
    current_app.extensions["between.keyring"] = crypto.Keyring(keys)


@keys_cli.command("rotate")
@click.option(
    "--new-key",
    is_flag=True,
    help="Development only: generate a key, put it first in the instance secrets, then rotate.",
)
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
def rotate(new_key, batch_size):
    """Re-encrypt stored free text under the newest key in ENCRYPTION_KEYS."""
    if new_key:
        add_development_key()
        click.echo("Added a new key first in the instance secrets.")
    total = 0
    try:
        for target in encrypted_columns():
            count = rotate_column(target, batch_size)
            total += count
            click.echo(f"{target.label}: {count} re-encrypted")
    except crypto.DecryptionError:
        db.session.rollback()
        # Which row is not said: ids of health records stay out of terminals and logs.
        raise click.ClickException(
            "A stored text could not be opened with any configured key; "
            "add the missing key to ENCRYPTION_KEYS and run again."
        ) from None
    # No text is under an older key now: the start-up key check forgets them.
    keycheck.forget_all_but_newest(crypto.keyring())
    click.echo(f"Done: {total} re-encrypted; old keys can now leave ENCRYPTION_KEYS.")


cli_groups = [keys_cli]
