"""The database refuses to change or remove an audit event, whoever asks.

The ORM's refusal is in test_audit_log.py; these go around the ORM with raw
SQL on the session's own connection, as someone holding the application's
database credentials would, on SQLite and on PostgreSQL.
"""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from server.audit import append_only
from server.audit.models import AuditEvent
from server.audit.services import record
from server.extensions import db


def _stored_event(therapist, patient) -> AuditEvent:
    event = record("timeline_read", actor=therapist, patient_id=patient.id)
    db.session.commit()
    return event


def _refused(sql: str) -> str:
    """Run `sql` in a savepoint; it must fail. Returns the database's message."""
    with pytest.raises(DBAPIError) as refused, db.session.begin_nested():
        db.session.connection().exec_driver_sql(sql)
    return str(refused.value.orig)


def _actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.action)))


def test_raw_sql_cannot_update_an_audit_event(therapist, patient):
    _stored_event(therapist, patient)
    message = _refused("UPDATE audit_events SET action = 'nothing_happened'")
    assert append_only.MESSAGE in message
    assert _actions() == ["timeline_read"]


def test_raw_sql_cannot_delete_an_audit_event(therapist, patient):
    _stored_event(therapist, patient)
    assert append_only.MESSAGE in _refused("DELETE FROM audit_events")
    assert _actions() == ["timeline_read"]


def test_postgresql_refuses_truncate_too(therapist, patient):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    _stored_event(therapist, patient)
    assert append_only.MESSAGE in _refused("TRUNCATE audit_events")
    assert _actions() == ["timeline_read"]


def test_new_events_are_still_written(therapist, patient):
    # The triggers refuse changes, not additions: the log keeps growing.
    _stored_event(therapist, patient)
    _stored_event(therapist, patient)
    assert _actions() == ["timeline_read", "timeline_read"]


@pytest.mark.committed
def test_the_triggers_survive_the_tests_table_sweep(therapist, patient):
    """conftest empties tables after committed tests by lifting the triggers: they come back."""
    from tests.conftest import _empty_tables

    _stored_event(therapist, patient)
    _empty_tables()
    assert _actions() == []
    from tests import factories

    clinic = factories.clinic()
    actor = factories.user(clinic, "therapist")
    record("login", actor=actor)
    db.session.commit()
    with pytest.raises(DBAPIError), db.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM audit_events")
    assert _actions() == ["login"]


def test_installing_twice_replaces_rather_than_fails(therapist, patient):
    _stored_event(therapist, patient)
    with db.session.begin_nested():
        connection = db.session.connection()
        append_only.install(connection)
        append_only.install(connection)
    assert append_only.MESSAGE in _refused("DELETE FROM audit_events")
