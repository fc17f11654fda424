"""The Alembic migrations build exactly the schema the models describe."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import text

from server import create_app
from server.extensions import db


@pytest.fixture
def empty_database_url(tmp_path, scratch_postgres_database):
    if not os.environ.get("TEST_DATABASE_URL"):
        return "sqlite:///" + str(tmp_path / "migrations.db")
    return scratch_postgres_database("between_migrations")


@pytest.mark.committed
def test_migrations_match_the_models(empty_database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


@pytest.mark.committed
def test_the_migrated_audit_log_refuses_changes_and_downgrade_lifts_it(empty_database_url):
    """Migration 0003's triggers: raw UPDATE and DELETE fail at head; gone at 0002."""
    from flask_migrate import downgrade
    from sqlalchemy.exc import DBAPIError

    from server.audit.append_only import MESSAGE
    from server.audit.models import AuditEvent

    events = AuditEvent.__table__
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(events.insert().values(id=uuid.uuid4(), action="login"))
        for statement in (events.update().values(action="edited"), events.delete()):
            with pytest.raises(DBAPIError, match=MESSAGE), db.engine.begin() as connection:
                connection.execute(statement)
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT action FROM audit_events")).all() == [("login",)]

        downgrade(revision="0002")
        with db.engine.begin() as connection:
            connection.execute(events.update().values(action="edited"))
            connection.execute(events.delete())
        upgrade()
        with pytest.raises(DBAPIError, match=MESSAGE), db.engine.begin() as connection:
            connection.execute(events.insert().values(id=uuid.uuid4(), action="login"))
            connection.execute(events.delete())
        db.engine.dispose()
