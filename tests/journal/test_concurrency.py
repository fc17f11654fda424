"""Two phones replaying the same item at the same moment store it once.

These commit for real and run requests on threads. An ORM hook holds each
request just before its INSERT until both have got there, so both have
already looked for the id and found nothing: the race happens every run.
"""

import contextlib
import threading

import pytest
from sqlalchemy import event, func, select

from server.extensions import db
from server.journal.models import CheckIn, JournalEntry
from tests.journal.conftest import checkin_body, entry_body


def _race(clients, path, body, model):
    barrier = threading.Barrier(len(clients), timeout=10)
    answers = [None] * len(clients)

    def hold(*_args):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    def send(index, client):
        answers[index] = client.post(path, json=body)

    threads = [
        threading.Thread(target=send, args=(index, client)) for index, client in enumerate(clients)
    ]
    event.listen(model, "before_insert", hold)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        event.remove(model, "before_insert", hold)
    return answers


@pytest.mark.committed
@pytest.mark.parametrize(
    ("path", "model", "make_body"),
    [("/api/v1/checkins", CheckIn, checkin_body), ("/api/v1/entries", JournalEntry, entry_body)],
)
def test_identical_posts_racing_store_one_item(as_user, patient, path, model, make_body):
    if db.engine.dialect.name != "postgresql":
        # SQLite has one writer, and a transaction that read before another
        # committed cannot upgrade to write (SQLITE_BUSY_SNAPSHOT): the loser
        # fails before its INSERT. Production runs PostgreSQL.
        pytest.skip("racing writers need PostgreSQL")
    phones = [as_user(patient), as_user(patient)]
    for _ in range(3):
        body = make_body()
        answers = _race(phones, path, body, model)
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200, 201], [a.get_json() for a in answers]
        assert answers[0].get_json() == answers[1].get_json()
        db.session.remove()
        count = db.session.scalar(select(func.count()).where(model.id == body["id"]))
        assert count == 1
