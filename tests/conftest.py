"""Fixtures: one app per run, a real database, a rollback per test.

Tests run on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is
set. Each test runs inside a transaction that is rolled back, so tests see
a clean database without rebuilding it. Tests marked `committed` (a live
server, concurrent requests) commit for real and the tables are emptied
after them.
"""

import contextlib
import logging
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlalchemy.orm import scoped_session, sessionmaker

os.environ["BETWEEN_ENV"] = "testing"

from server import create_app
from server.extensions import db, limiter
from tests import factories

ORIGIN = "http://localhost"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        # Under pytest-xdist each worker has a temporary directory of its own.
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "between-test.db")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _database_of_its_own(url, worker) if worker else url


def _database_of_its_own(url: str, worker: str) -> str:
    """`make test TEST_WORKERS=2` runs workers side by side (pytest-xdist); on PostgreSQL each gets
    a database named after TEST_DATABASE_URL's and the worker, made if missing,
    since every run starts by emptying its database's schema."""
    from sqlalchemy import create_engine, make_url

    given = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{given.database}_{worker}"
    admin = create_engine(given, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            known = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if not known:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def scratch_postgres_database():
    """`scratch_postgres_database(prefix, *settings)`: the URL of a new, empty PostgreSQL
    database on TEST_DATABASE_URL's server (each of `settings`, e.g. "timezone = 'UTC'",
    its own default), dropped with everything in it after the test."""
    from sqlalchemy import create_engine, make_url

    made, admins = [], []

    def make(prefix: str, *settings: str) -> str:
        given = make_url(
            os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
        )
        if not admins:
            admins.append(create_engine(given, isolation_level="AUTOCOMMIT"))
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with admins[0].connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            made.append(name)
            for setting in settings:
                connection.execute(text(f'ALTER DATABASE "{name}" SET {setting}'))
        return given.set(database=name).render_as_string(hide_password=False)

    yield make
    for admin in admins:
        with admin.connect() as connection:
            for name in made:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


class FreshContextClient(FlaskClient):
    """Runs each request in its own app context, as in production.

    Tests hold an app context open; without this, requests would share its
    `g` (and so Flask-Login's cached user) with each other.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The application, with every table created on an empty test database."""
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
            "SERVER_NAME": None,
        }
    )
    app.instance_path = str(instance)
    app.test_client_class = FreshContextClient
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _database(request, app):
    """Roll back everything a test wrote (or, for `committed` tests, empty the tables).

    The session joins an outer transaction through a savepoint, so a
    `commit()` (by a request or a factory) only releases the savepoint and the
    outer rollback still undoes it. Factories commit, so a request that fails
    and rolls back does not take the test's data with it.
    """
    limiter.reset()
    if request.node.get_closest_marker("committed") or request.node.get_closest_marker("browser"):
        with app.app_context():
            yield
            _empty_tables()
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = scoped_session(
            sessionmaker(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            )
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


def _empty_tables():
    """Delete every row. The audit log's triggers refuse that (server/audit/append_only.py),
    so they are lifted for the sweep and put back in the same transaction."""
    from server.audit import append_only

    db.session.remove()
    with db.engine.begin() as connection:
        append_only.uninstall(connection)
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        append_only.install(connection)


@pytest.fixture
def client(app):
    """A test client that looks same-origin, like the PWA."""
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = ORIGIN
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Auth:
    """Signs a test client in as a user and keeps its CSRF token on every request."""

    def __init__(self, client):
        self.client = client

    def login(self, user, password=factories.PASSWORD, **extra):
        # Staff must give a TOTP code; send the current one unless the test chose.
        if "totp" not in extra and (code := factories.totp_code(user)):
            extra["totp"] = code
        response = self.client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": password, **extra}
        )
        assert response.status_code == 200, response.get_json()
        self.client.environ_base["HTTP_X_CSRF_TOKEN"] = response.get_json()["csrf_token"]
        return response

    def logout(self):
        return self.client.post("/api/v1/auth/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def as_user(app):
    """`as_user(user)` is a fresh client signed in as `user`."""

    def make(user):
        client = app.test_client()
        client.environ_base["HTTP_ORIGIN"] = ORIGIN
        Auth(client).login(user)
        return client

    return make


@pytest.fixture
def clinic():
    return factories.clinic()


@pytest.fixture
def therapist(clinic):
    return factories.user(clinic, "therapist", email="therapist@clinic.test")


@pytest.fixture
def patient(clinic, therapist):
    """A patient who joined a year ago: what they write may be dated back to then
    (a time before the account existed is refused, server.fields.device_time_error)."""
    from server.db import utcnow

    return factories.user(
        clinic,
        "patient",
        email="patient@clinic.test",
        therapist=therapist,
        created_at=utcnow() - timedelta(days=400),
    )


#: Where the `clock` fixture starts: an ordinary Wednesday, noon in New York
#: (the factories' time zone), ten days clear of a daylight-saving change.
CLOCK_START = datetime(2026, 3, 18, 16, 0, tzinfo=UTC)


class Clock:
    """The server's time, standing still until a test moves it."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """`server.db.utcnow()` stopped at CLOCK_START: rows' default times and every
    `now` the code takes for itself follow `clock.now`, so an assertion about a
    day or an hour holds whenever the suite runs. Ask for it before the rows it
    should date. (Sign-in cookies and TOTP codes keep the real time.)"""
    from server import db as server_db

    clock = Clock(CLOCK_START)

    class StoppedDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return clock.now.astimezone(tz) if tz else clock.now.astimezone().replace(tzinfo=None)

    monkeypatch.setattr(server_db, "datetime", StoppedDatetime)
    return clock


@pytest.fixture
def count_statements(app):
    """`with count_statements() as counter:` counts SQL statements run inside."""

    @contextlib.contextmanager
    def counting():
        statements = []

        def before(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def lands_after_read(app):
    """`with lands_after_read(Model, **values):` inserts that row of `Model`'s table just
    after the next SELECT from the table has run: a twin request's first save landing
    between this one's read (no row, so nothing to lock) and its insert. It goes through
    the reading connection itself, since SQLite lets one writer at a time (a connection
    of its own would wait for this one), and stays when this save is refused."""

    @contextlib.contextmanager
    def landing(model, **values):
        table = model.__table__
        landed = []

        def after(conn, cursor, statement, *args):
            read = statement.lstrip().upper().startswith("SELECT")
            if read and f"FROM {table.name}" in statement and not landed:
                landed.append(values)
                conn.execute(table.insert().values(**values))

        event.listen(db.engine, "after_cursor_execute", after)
        try:
            yield landed
        finally:
            event.remove(db.engine, "after_cursor_execute", after)

    return landing


PROJECT_ROOT = Path(__file__).resolve().parent.parent


# --- Log canary --------------------------------------------------------------
LOG_CANARY = "CANARY-7f3a"


class _EveryRecord(logging.Handler):
    """Keeps every log record of the run, formatted as a log file would show it."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record):
        try:
            self.lines.append(self.format(record))
        except Exception:  # a record that cannot be formatted is still checked
            self.lines.append(f"{record.name}: {record.msg!r} {record.args!r}")


@pytest.fixture(scope="session", autouse=True)
def log_canary():
    """Every log record of the whole run; at the end, none may hold LOG_CANARY.

    Tests (tests/test_privacy_logs.py) write the canary where health data
    goes. If any code path logs it (a request line with it in the URL, an
    exception text quoting input, SQL parameters), the run fails. The root
    logger is at DEBUG so nothing is filtered out before it is checked;
    werkzeug and SQLAlchemy records propagate here at whatever level they
    are enabled.
    """
    handler = _EveryRecord()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)
    leaked = [line for line in handler.lines if LOG_CANARY in line]
    assert not leaked, "health data reached the logs:\n" + "\n".join(leaked[:5])


# --- end of log canary
