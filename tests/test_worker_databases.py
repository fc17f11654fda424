"""`make test TEST_WORKERS=2` runs two pytest-xdist workers; on PostgreSQL each empties and
fills a database of its own, never the other's (tests/conftest.py)."""

import os

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.conftest import _database_of_its_own

URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not URL.startswith(("postgresql", "postgres:")),
    reason="workers share one database only on PostgreSQL (set TEST_DATABASE_URL)",
)


def _names(admin) -> set[str]:
    with admin.connect() as connection:
        return set(connection.execute(text("SELECT datname FROM pg_database")).scalars())


def test_a_worker_gets_a_database_named_after_the_given_one_made_once():
    given = make_url(URL.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(given, isolation_level="AUTOCOMMIT")
    name = f"{given.database}_gwprobe"
    try:
        first = _database_of_its_own(URL, "gwprobe")
        again = _database_of_its_own(URL, "gwprobe")  # the next run finds it there
        assert make_url(first).database == make_url(again).database == name
        assert make_url(first).host == given.host
        assert name in _names(admin)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_this_run_writes_to_its_workers_database(app):
    from server.extensions import db

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    expected = make_url(URL).database + (f"_{worker}" if worker else "")
    assert db.engine.url.database == expected
