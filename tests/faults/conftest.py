"""Fixtures for fault tests: an app of their own against a database they can break.

The PostgreSQL here is not TEST_DATABASE_URL's: each run starts its own
cluster on a spare loopback port (tests/faults/scratch.py) and throws it
away. Without PostgreSQL server binaries the tests skip, except where the
suite runs on PostgreSQL (TEST_DATABASE_URL set, as in CI): there a
missing binary is a failure, never a silent skip.

Fault tests are `committed`: they use apps and databases of their own, so
the per-test rollback of the shared test database does not apply.
"""

import contextlib
import os
import uuid

import pytest

from server import create_app
from server.extensions import db, limiter
from tests import factories
from tests.conftest import ORIGIN, Auth
from tests.faults.scratch import HungListener, ScratchPostgres, postgres_bin

#: Short limits, so a test meets each one quickly; the defaults are in config.py.
FAULT_LIMITS = {
    "DATABASE_CONNECT_TIMEOUT": 2,
    "DATABASE_STATEMENT_TIMEOUT": 2.0,
    "DATABASE_LOCK_TIMEOUT": 1.0,
    "DATABASE_POOL_TIMEOUT": 2.0,
    "READYZ_TIMEOUT": 1.0,
}


def _require_postgres_binaries():
    if postgres_bin() is not None:
        return
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.fail("fault tests need PostgreSQL's server binaries (initdb, pg_ctl)")
    pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql")


@pytest.fixture(scope="session")
def scratch_postgres():
    _require_postgres_binaries()
    cluster = ScratchPostgres()
    cluster.start()
    yield cluster
    cluster.close()


@pytest.fixture
def postgres(scratch_postgres):
    """The scratch cluster, running and answering again after each test."""
    yield scratch_postgres
    scratch_postgres.resume()
    scratch_postgres.start()  # after a test that stopped it


@pytest.fixture
def hung_listener():
    listener = HungListener()
    yield listener
    listener.close()


def make_app(url: str, **overrides):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None, **FAULT_LIMITS, **overrides}
    )
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@contextlib.contextmanager
def app_on(url: str, *, create: bool = True, **overrides):
    """An app on `url`, with every table created when `create`; disposed after.

    The limiter is one object that `init_app` rebinds to the newest app's
    storage: the suite's own app gets its storage back afterwards.
    """
    saved = dict(vars(limiter))
    app = make_app(url, **overrides)
    try:
        with app.app_context():
            if create:
                db.create_all()
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()
    finally:
        vars(limiter).clear()
        vars(limiter).update(saved)


def signed_in_patient(app):
    """A new clinic, therapist and patient; returns (patient, signed-in client)."""
    clinic = factories.clinic()
    therapist = factories.user(clinic, "therapist", email=f"t-{uuid.uuid4()}@clinic.test")
    patient = factories.user(
        clinic, "patient", email=f"p-{uuid.uuid4()}@clinic.test", therapist=therapist
    )
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = ORIGIN
    Auth(client).login(patient)
    return patient, client
