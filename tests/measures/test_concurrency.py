"""Two identical answers racing each other store one response (committed for real)."""

import threading
import uuid

import pytest
from sqlalchemy import func, select

from server.db import utcnow
from server.extensions import db
from server.flags.models import Flag
from server.measures.models import MeasureResponse
from tests import factories


def sign_in(app, email):
    """A signed-in client.

    Not `as_user`: its TOTP lookup would open a transaction in this thread's
    session, and on SQLite (BEGIN IMMEDIATE) that transaction's write lock
    would hold every request back.
    """
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    login = client.post("/api/v1/auth/login", json={"email": email, "password": factories.PASSWORD})
    assert login.status_code == 200, login.get_json()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = login.get_json()["csrf_token"]
    return client


@pytest.mark.committed
def test_two_concurrent_identical_posts_store_one_row(app):
    clinic = factories.clinic()
    therapist = factories.user(clinic, "therapist")
    patient = factories.user(clinic, "patient", therapist=therapist)
    email = patient.email
    # From here this thread holds no transaction (on SQLite: no write lock),
    # and touches no expired object that would open one.
    db.session.close()
    clients = [sign_in(app, email), sign_in(app, email)]
    body = {
        "id": str(uuid.uuid4()),
        "answers": [3, 3, 3, 3, 3, 3, 3, 3, 1],
        "completed_at": utcnow().isoformat(),
    }
    start = threading.Barrier(len(clients))
    results = [None] * len(clients)

    def post(index):
        start.wait()
        response = clients[index].post("/api/v1/measures/phq9/responses", json=body)
        results[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(status for status, _ in results) == [200, 201], results
    assert results[0][1]["id"] == results[1][1]["id"] == body["id"]
    assert results[0][1]["total"] == results[1][1]["total"] == 25
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(MeasureResponse)) == 1
    kinds = sorted(db.session.scalars(select(Flag.kind)))
    assert kinds == ["phq9_item9", "phq9_severe"]
