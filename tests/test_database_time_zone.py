"""Times read from PostgreSQL are UTC instants whatever zone the server is set to."""

import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import literal, select, text

from server import create_app
from server.db import UTCDateTime

URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not URL.startswith("postgresql"),
    reason="a server's TimeZone setting is PostgreSQL's (set TEST_DATABASE_URL)",
)


@pytest.fixture
def new_york_database(scratch_postgres_database):
    """A database of its own whose default TimeZone is New York's."""
    return scratch_postgres_database("between_zone", "timezone = 'America/New_York'")


@pytest.mark.committed
def test_the_app_reads_times_in_utc_on_a_server_set_to_another_zone(new_york_database):
    from server.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": new_york_database})
    late = datetime(2026, 3, 19, 2, 30, tzinfo=UTC)  # 22:30 the day before in New York
    with app.app_context():
        # The app's connections ask for UTC, so the driver marks each time UTC itself.
        assert db.session.scalar(text("SHOW timezone")) == "UTC"
        read = db.session.scalar(select(literal(late, UTCDateTime())))
        assert read == late and read.tzinfo is UTC
        # A time's calendar day in SQL is the UTC one, not New York's day before.
        day = db.session.scalar(text("SELECT CAST(CAST(:at AS timestamptz) AS date)"), {"at": late})
        assert str(day) == "2026-03-19"
        db.session.remove()
        db.engine.dispose()


@pytest.mark.committed
def test_times_are_still_utc_when_the_zone_cannot_be_set_at_connection(new_york_database):
    from server.extensions import db

    # Behind PgBouncer the start-up options are the operator's own, without the zone.
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": new_york_database,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": "-c lock_timeout=3000"}},
        }
    )
    late = datetime(2026, 3, 19, 2, 30, tzinfo=UTC)
    with app.app_context():
        assert db.session.scalar(text("SHOW timezone")) == "America/New_York"
        read = db.session.scalar(select(literal(late, UTCDateTime())))
        assert read == late and read.tzinfo is UTC
        db.session.remove()
        db.engine.dispose()
