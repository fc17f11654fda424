"""`flask db downgrade` refuses to drop data silently.

Before a downgrade runs, each migration it would undo is rehearsed
offline (nothing is sent to the database) to learn which tables and
columns its `downgrade()` drops. Those holding rows (or values) are
counted; if any would be lost the command stops and lists them, unless
`--force` is given. Dropping the two-step sign-in columns is named for
what it means: staff would have to enrol again (until they do, a
password alone opens nothing: server/auth/sessions.py).
"""

import click
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from flask import current_app, g
from flask.cli import with_appcontext
from sqlalchemy import column, create_engine, func, inspect, select, table

from server.extensions import db

MEANING = {
    ("users", "totp_secret_ciphertext"): "staff would have to enrol two-step sign-in again",
    ("recovery_codes", None): "staff's two-step recovery codes",
}


def _schema(connection) -> dict[str, list[str]]:
    found = inspect(connection)
    return {name: [c["name"] for c in found.get_columns(name)] for name in found.get_table_names()}


def _planned_drops(scripts_up: list, scripts_down: list) -> list[tuple[str, str | None]]:
    """The tables (column None) and columns the downgrades would drop.

    Rehearsed for real on a throw-away in-memory SQLite database: every
    migration up to the current one, then the downgrades; what the schema
    lost between the two is the answer. The real database is not touched.
    """
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"target_metadata": db.metadata, "render_as_batch": True}
        )
        with Operations.context(context):
            for script in scripts_up:
                script.module.upgrade()
            before = _schema(connection)
            for script in scripts_down:
                script.module.downgrade()
            after = _schema(connection)
    engine.dispose()
    drops: list[tuple[str, str | None]] = []
    for name, columns in before.items():
        if name not in after:
            drops.append((name, None))
            continue
        drops.extend((name, column_) for column_ in columns if column_ not in after[name])
    return drops


def _scripts_to_undo(directory, revision: str):
    config = current_app.extensions["migrate"].migrate.get_config(directory)
    scripts = ScriptDirectory.from_config(config)
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current is None:
        return [], []
    if revision.startswith("-") and revision[1:].isdigit():
        target = current
        for _ in range(int(revision[1:])):
            target = scripts.get_revision(target).down_revision if target else None
    elif revision == "base":
        target = None
    else:
        target = scripts.get_revision(revision).revision
    down = [s for s in scripts.iterate_revisions(current, target) if s.revision != target]
    up = list(reversed(list(scripts.iterate_revisions(current, "base"))))
    return up, down


def would_be_lost(directory, revision: str) -> list[str]:
    """Lines naming what the downgrade to `revision` would delete; empty if nothing."""
    lines = []
    existing = set(inspect(db.engine).get_table_names())
    up, down = _scripts_to_undo(directory, revision)
    with db.engine.connect() as connection:
        for table_name, column_name in _planned_drops(up, down):
            if table_name not in existing:
                continue
            meaning = MEANING.get((table_name, column_name))
            if column_name is None:
                count = connection.scalar(select(func.count()).select_from(table(table_name)))
                what = f"table {table_name}: {count} rows"
            else:
                column_ = column(column_name)
                count = connection.scalar(
                    select(func.count(column_)).select_from(table(table_name, column_))
                )
                what = f"column {table_name}.{column_name}: {count} values"
            if count:
                lines.append(what + (f" ({meaning})" if meaning else ""))
    return lines


def install(app) -> None:
    """Add `--force` to `flask db downgrade` and check before it runs."""
    group = app.cli.commands.get("db")
    command = group.commands.get("downgrade") if group else None
    if command is None or any(param.name == "force" for param in command.params):
        return
    command.params.append(
        click.Option(
            ["--force"],
            is_flag=True,
            help="Downgrade even though tables or columns holding data would be dropped.",
        )
    )
    run = command.callback

    @with_appcontext
    def guarded(force=False, **kwargs):
        if not force and not kwargs.get("sql"):
            try:
                lost = would_be_lost(
                    kwargs.get("directory") or g.get("directory"), kwargs["revision"]
                )
            except Exception as error:  # a downgrade that cannot be rehearsed
                raise click.ClickException(
                    f"Could not tell what this downgrade would drop ({type(error).__name__}); "
                    "back up the database, then run again with --force."
                ) from None
            if lost:
                raise click.ClickException(
                    "Refusing to downgrade: it would delete\n  - "
                    + "\n  - ".join(lost)
                    + "\nBack up the database, then run again with --force to accept the loss."
                )
        return run(**kwargs)

    command.callback = guarded
