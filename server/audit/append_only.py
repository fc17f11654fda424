"""The database itself refuses to change or remove an audit event.

The ORM listeners in `server.audit.models` stop our own code; these
triggers stop anyone holding the application's database credentials (a
raw `UPDATE`, `DELETE` or, on PostgreSQL, `TRUNCATE`).

Two paths install them, with the same statements:

- migration `0003_audit_append_only` on a database built by migrations;
- a DDL hook on the table (`server.audit.models`) when `create_all` builds
  it (the tests' databases, `flask` commands on a fresh SQLite file).

Migration 0003 runs what is written here: change these statements only
together with a new migration that replaces them.

Nothing in the application deletes audit rows: deleting an account keeps
its events (ids only) by design. Deleting a clinic cascades to its events
and is therefore refused while it has any, which leaves that decision to
the operator. On SQLite, a batch migration that rebuilds `audit_events`
drops these triggers with the old table and must call `install` again
(`tests/test_migrations.py` checks the head revision still refuses).
"""

from sqlalchemy.engine import Connection

MESSAGE = "audit_events is append-only"

_POSTGRESQL_INSTALL = (
    f"""
    CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '{MESSAGE}';
    END $$
    """,
    """
    CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
    """,
    """
    CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
    """,
)
_POSTGRESQL_UNINSTALL = (
    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
    "DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events",
    "DROP FUNCTION IF EXISTS audit_events_append_only()",
)

_SQLITE_INSTALL = tuple(
    f"""
    CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events
    BEGIN
      SELECT RAISE(ABORT, '{MESSAGE}');
    END
    """
    for verb in ("UPDATE", "DELETE")
)
_SQLITE_UNINSTALL = (
    "DROP TRIGGER IF EXISTS audit_events_no_update",
    "DROP TRIGGER IF EXISTS audit_events_no_delete",
)

_STATEMENTS = {
    "postgresql": (_POSTGRESQL_INSTALL, _POSTGRESQL_UNINSTALL),
    "sqlite": (_SQLITE_INSTALL, _SQLITE_UNINSTALL),
}


def _statements(connection: Connection) -> tuple[tuple[str, ...], tuple[str, ...]]:
    name = connection.dialect.name
    try:
        return _STATEMENTS[name]
    except KeyError:
        # Never leave the log silently editable on a database we did not plan for.
        raise RuntimeError(f"no append-only triggers for the {name!r} dialect") from None


def install(connection: Connection) -> None:
    """Add the triggers that refuse UPDATE and DELETE (and TRUNCATE) on `audit_events`.

    Safe to run again (it replaces what is there), e.g. after a SQLite batch
    migration that rebuilt the table.
    """
    uninstall(connection)
    for statement in _statements(connection)[0]:
        connection.exec_driver_sql(statement)


def uninstall(connection: Connection) -> None:
    """Remove them again (migration downgrade; the tests' table sweep, inside one transaction)."""
    for statement in _statements(connection)[1]:
        connection.exec_driver_sql(statement)
