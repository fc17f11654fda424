"""`flask db downgrade` never drops data silently, and never leaves staff without two-step sign-in.

Run on a SQLite file and on a database of the scratch PostgreSQL, each
migrated from empty with `flask db upgrade`.
"""

import uuid

import pytest
from sqlalchemy import inspect

from server.extensions import db
from tests import factories
from tests.faults.conftest import app_on, signed_in_patient
from tests.journal.conftest import checkin_body

pytestmark = pytest.mark.committed


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path / "between.db")
    return request.getfixturevalue("postgres").new_database()


def flask_db(app, *args):
    db.session.remove()  # no connection of ours holds a lock the migration needs
    return app.test_cli_runner().invoke(args=["db", *args])


def test_a_downgrade_that_would_drop_data_refuses_and_says_what(empty_database):
    with app_on(empty_database, create=False) as app:
        assert flask_db(app, "upgrade").exit_code == 0
        _, client = signed_in_patient(app)  # and a therapist, enrolled in TOTP
        assert client.post("/api/v1/checkins", json=checkin_body()).status_code == 201

        refused = flask_db(app, "downgrade", "0001")
        assert refused.exit_code != 0
        assert "Refusing to downgrade" in refused.output
        assert "table checkins: 1 rows" in refused.output
        assert (
            "column users.totp_secret_ciphertext: 1 values "
            "(staff would have to enrol two-step sign-in again)"
        ) in refused.output
        assert "--force" in refused.output
        db.session.remove()
        assert inspect(db.engine).has_table("checkins")  # nothing was dropped

        # A step down that loses nothing needs no --force.
        assert flask_db(app, "downgrade").exit_code == 0
        assert flask_db(app, "upgrade").exit_code == 0


def test_a_forced_round_trip_leaves_staff_needing_two_step_sign_in(empty_database):
    with app_on(empty_database, create=False) as app:
        assert flask_db(app, "upgrade").exit_code == 0
        clinic = factories.clinic()
        therapist = factories.user(clinic, "therapist", email=f"t-{uuid.uuid4()}@clinic.test")
        email = therapist.email

        forced = flask_db(app, "downgrade", "0001", "--force")
        assert forced.exit_code == 0, forced.output
        assert flask_db(app, "upgrade").exit_code == 0, "upgrade after the round trip"

        client = app.test_client()
        client.environ_base["HTTP_ORIGIN"] = "http://localhost"
        signed_in = client.post(
            "/api/v1/auth/login", json={"email": email, "password": factories.PASSWORD}
        )
        # The secret is gone: the password alone signs in, for enrolment only.
        assert signed_in.status_code == 200, signed_in.get_json()
        assert signed_in.get_json()["totp_enrolled"] is False
        client.environ_base["HTTP_X_CSRF_TOKEN"] = signed_in.get_json()["csrf_token"]
        blocked = client.get("/api/v1/patients")
        assert blocked.status_code == 403
        assert blocked.get_json()["type"] == "/problems/totp-enrolment-required"
