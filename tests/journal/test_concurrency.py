"""Two phones sending the same thing at the same moment: one item, no lost edit.

These commit for real and run requests on threads. On PostgreSQL a hook
on the engine holds each request just before its INSERT or UPDATE of the
item reaches the database until both have got there, so both have already
passed every check and the race happens every run.
SQLite serialises writing transactions from their start (`BEGIN
IMMEDIATE`), so there the second request simply finds the first one's
work; the hook is left out, as it would only wait for its timeout.
"""

import contextlib
import threading
import uuid

import pytest
from sqlalchemy import event, func, select

from server.extensions import db
from server.journal.models import CheckIn, JournalEntry
from tests import factories
from tests.conftest import ORIGIN
from tests.journal.conftest import checkin_body, entry_body

pytestmark = pytest.mark.committed


def phone(app, patient):
    """A signed-in client whose requests never wait on this test's own transaction.

    On SQLite every transaction holds the write lock from its start, so the
    test's session must end its transaction before a request can write.
    """
    email = patient.email
    db.session.remove()
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = ORIGIN
    answer = client.post(
        "/api/v1/auth/login", json={"email": email, "password": factories.PASSWORD}
    )
    assert answer.status_code == 200, answer.get_json()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = answer.get_json()["csrf_token"]
    return client


def race(requests, model, verb):
    """Run `requests` on threads at once; on PostgreSQL, meet before `verb` ("INSERT INTO",
    "UPDATE") of `model`'s table is sent to the database."""
    start = threading.Barrier(len(requests), timeout=10)
    meet = threading.Barrier(len(requests), timeout=10)
    answers = [None] * len(requests)

    write = f"{verb} {model.__tablename__} "
    met = []

    def hold(_connection, _cursor, statement, *_args):
        # A request that never reaches the write breaks the barrier by timing
        # out, and the other one simply goes on.
        if statement.startswith(write):
            with contextlib.suppress(threading.BrokenBarrierError):
                meet.wait()
                met.append(True)

    def run(index, request):
        start.wait()
        answers[index] = request()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(requests)]
    held = db.engine.dialect.name == "postgresql"
    if held:
        event.listen(db.engine, "before_cursor_execute", hold)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        if held:
            event.remove(db.engine, "before_cursor_execute", hold)
    if held:
        # Both requests really were at the write together: this was a race.
        assert len(met) == len(requests)
    return answers


@pytest.mark.parametrize(
    ("path", "model", "make_body"),
    [("/api/v1/checkins", CheckIn, checkin_body), ("/api/v1/entries", JournalEntry, entry_body)],
)
def test_identical_posts_racing_store_one_item(app, patient, path, model, make_body):
    phones = [phone(app, patient), phone(app, patient)]
    for _ in range(3):
        body = make_body()
        answers = race(
            [lambda client=client, body=body: client.post(path, json=body) for client in phones],
            model,
            "INSERT INTO",
        )
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200, 201], [a.get_json() for a in answers]
        assert answers[0].get_json() == answers[1].get_json()
        db.session.remove()
        count = db.session.scalar(select(func.count()).where(model.id == uuid.UUID(body["id"])))
        db.session.remove()
        assert count == 1


def test_two_edits_of_the_same_version_racing_keep_one(app, patient):
    """Both edits pass the version check; the UPDATE's own version check stops the second."""
    clients = {"phone": phone(app, patient), "laptop": phone(app, patient)}
    body = checkin_body(note="first draft")
    clients["phone"].post("/api/v1/checkins", json=body)
    url = f"/api/v1/checkins/{body['id']}"
    answers = race(
        [
            lambda name=name, client=client: (
                name,
                client.patch(url, json={"version": 1, "note": f"from the {name}"}),
            )
            for name, client in clients.items()
        ],
        CheckIn,
        "UPDATE",
    )
    statuses = sorted(answer.status_code for _, answer in answers)
    assert statuses == [200, 409]
    winner = next(name for name, answer in answers if answer.status_code == 200)
    stored = clients["phone"].get(url).get_json()
    assert stored["note"] == f"from the {winner}" and stored["version"] == 2
