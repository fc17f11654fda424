"""Two people (or two taps) accepting one invitation at once: one account, one 201,
then 410s, never a 500 from the second insert (issue 15.13)."""

import contextlib
import threading

import pytest
from sqlalchemy import event, func, select

from server.auth.models import User
from server.extensions import db
from tests import factories
from tests.conftest import ORIGIN

pytestmark = pytest.mark.committed
CLAIM = "UPDATE invites SET accepted_at"


def race(requests):
    """Run `requests` on threads at once; on PostgreSQL each is held just before it
    claims the invitation until all are there, so all have passed every check
    (SQLite serialises writers from BEGIN IMMEDIATE: no hold there)."""
    start = threading.Barrier(len(requests), timeout=10)
    meet = threading.Barrier(len(requests), timeout=10)
    answers, met = [None] * len(requests), []

    def hold(_connection, _cursor, statement, *_args):
        if statement.startswith(CLAIM):
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
        assert len(met) == len(requests)  # all were at the claim together: a real race
    return answers


def test_concurrent_accepts_of_one_invitation_make_one_account(app, therapist):
    staff = app.test_client()
    staff.environ_base["HTTP_ORIGIN"] = ORIGIN
    body = {"email": therapist.email, "password": factories.PASSWORD}
    signed_in = staff.post(
        "/api/v1/auth/login", json={**body, "totp": factories.totp_code(therapist)}
    )
    staff.environ_base["HTTP_X_CSRF_TOKEN"] = signed_in.get_json()["csrf_token"]
    db.session.remove()
    created = staff.post(
        "/api/v1/invites", json={"email": "racing@clinic.test", "display_name": "Racing"}
    )
    assert created.status_code == 201, created.get_json()
    token = created.get_json()["token"]
    db.session.remove()

    def accept():
        client = app.test_client()
        client.environ_base["HTTP_ORIGIN"] = ORIGIN
        return client.post(
            f"/api/v1/invites/{token}/accept", json={"password": "my own long passphrase"}
        )

    answers = race([accept, accept, accept])
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201, 410, 410], [a.get_json() for a in answers]
    db.session.remove()
    made = db.session.scalar(
        select(func.count()).select_from(User).where(User.email == "racing@clinic.test")
    )
    db.session.remove()
    assert made == 1
