"""A database that is down, hung or paused is answered with 503, never waited on or a 500.

Each test breaks a real database: the scratch PostgreSQL is stopped or
paused with SIGSTOP (postmaster and backends), a loopback listener that
accepts and never answers stands in for a hung host, and a proxy cuts a
connection right after relaying a COMMIT.
"""

import threading
import time
import uuid
from collections import Counter

import pytest
from sqlalchemy import select, text

from server import dbfaults
from server.extensions import db
from server.journal.models import CheckIn
from tests.faults.conftest import app_on, signed_in_patient
from tests.faults.scratch import CommitCuttingProxy, spare_port
from tests.journal.conftest import checkin_body

pytestmark = pytest.mark.committed
URL = "/api/v1/checkins"
LOGIN = "/api/v1/auth/login"


def assert_unavailable(response):
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"].isdigit()
    assert response.get_json()["type"] == "/problems/database-unavailable"


def test_healthz_touches_neither_the_database_nor_redis(hung_listener):
    redis = f"redis://127.0.0.1:{hung_listener.port}/0"
    with app_on(hung_listener.url, create=False, RATELIMIT_STORAGE_URI=redis) as app:
        client = app.test_client()
        assert client.get("/healthz").get_json() == {"status": "ok"}
        assert hung_listener.accepted == []


def test_an_unreachable_database_is_a_503_with_retry_after():
    url = f"postgresql://postgres@127.0.0.1:{spare_port()}/postgres"
    with app_on(url, create=False) as app:
        client = app.test_client()
        client.environ_base["HTTP_ORIGIN"] = "http://localhost"
        assert_unavailable(client.post(LOGIN, json={"email": "a@b.test", "password": "x" * 12}))
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.get_json()["database"] == "unreachable"


def test_a_hung_database_host_is_a_503_and_readyz_answers_on_its_own_deadline(hung_listener):
    with app_on(hung_listener.url, create=False) as app:
        client = app.test_client()
        client.environ_base["HTTP_ORIGIN"] = "http://localhost"
        assert_unavailable(client.post(LOGIN, json={"email": "a@b.test", "password": "x" * 12}))
        ready = client.get("/readyz")
        assert ready.status_code == 503
        # Its own deadline answered first: the connect timeout is longer.
        assert ready.get_json()["database"] == "timeout"
        assert hung_listener.accepted  # it really tried


def test_a_paused_database_is_a_503_and_the_retried_write_lands_once(postgres):
    with app_on(postgres.url) as app:
        _, client = signed_in_patient(app)
        assert client.post(URL, json=checkin_body()).status_code == 201
        body = checkin_body(mood=4)
        postgres.pause()
        try:
            assert_unavailable(client.post(URL, json=body))
            assert_unavailable(client.get(URL))
            assert client.get("/readyz").status_code == 503
            assert client.get("/healthz").status_code == 200
        finally:
            postgres.resume()
        assert client.post(URL, json=body).status_code == 201
        assert client.get("/readyz").status_code == 200
        moods = [item["mood"] for item in client.get(URL).get_json()["items"]]
        assert sorted(moods) == [4, 6]


def test_a_stopped_database_is_a_503_until_it_is_back(postgres):
    with app_on(postgres.url) as app:
        _, client = signed_in_patient(app)
        postgres.stop()
        assert_unavailable(client.get(URL))
        assert client.get("/readyz").get_json()["database"] == "unreachable"
        postgres.start()
        assert client.get(URL).status_code == 200


def test_a_row_lock_held_too_long_is_a_503_not_a_wait(postgres):
    with app_on(postgres.url) as app:
        _, client = signed_in_patient(app)
        created = client.post(URL, json=checkin_body()).get_json()
        with db.engine.connect() as other:
            other.execute(
                text("SELECT id FROM checkins WHERE id = :id FOR UPDATE"),
                {"id": uuid.UUID(created["id"])},
            )
            edit = {"version": created["version"], "mood": 2}
            assert_unavailable(client.patch(f"{URL}/{created['id']}", json=edit))
            other.rollback()
        assert client.patch(f"{URL}/{created['id']}", json=edit).get_json()["mood"] == 2


def test_a_statement_past_the_statement_limit_is_a_503(postgres, caplog, monkeypatch):
    # The lock limit and the app's own deadline are set far longer, so only
    # the server's statement_timeout (SQLSTATE 57014, QueryCanceled) can end
    # the wait, however loaded the machine.
    monkeypatch.setattr(dbfaults, "DEADLINE_MARGIN", 60.0)
    limits = {"DATABASE_STATEMENT_TIMEOUT": 1.0, "DATABASE_LOCK_TIMEOUT": 60.0}
    with app_on(postgres.url, **limits) as app:
        _, client = signed_in_patient(app)
        created = client.post(URL, json=checkin_body()).get_json()
        edit = {"version": created["version"], "mood": 3}
        with db.engine.connect() as other:
            other.execute(
                text("SELECT id FROM checkins WHERE id = :id FOR UPDATE"),
                {"id": uuid.UUID(created["id"])},
            )
            with caplog.at_level("WARNING", logger="server.dbsetup"):
                assert_unavailable(client.patch(f"{URL}/{created['id']}", json=edit))
            other.rollback()
        assert "database unavailable: QueryCanceled" in caplog.messages
        assert client.patch(f"{URL}/{created['id']}", json=edit).get_json()["mood"] == 3


def test_a_write_answered_503_that_did_commit_is_recognised_on_replay(postgres):
    proxy = CommitCuttingProxy(postgres.port)
    try:
        with app_on(proxy.url) as app:
            patient, client = signed_in_patient(app)
            body = checkin_body(mood=8)
            proxy.armed = True
            assert_unavailable(client.post(URL, json=body))
            assert proxy.cuts == 1
            replay = client.post(URL, json=body)
            assert replay.status_code == 200  # stored the first time: not a second row
            assert replay.get_json()["mood"] == 8
            stored = db.session.scalars(
                select(CheckIn.id).where(CheckIn.patient_id == patient.id)
            ).all()
            assert stored == [uuid.UUID(body["id"])]
    finally:
        proxy.close()


def test_check_ins_written_through_a_restart_and_a_pause_are_exactly_the_acknowledged(
    postgres, capsys
):
    """The PWA's outbox, in miniature: each check-in is sent until acknowledged."""
    with app_on(postgres.url) as app:
        patient, client = signed_in_patient(app)
        done = threading.Event()

        def faults():
            done.wait(0.5)
            postgres.restart()
            done.wait(0.5)
            postgres.pause()
            done.wait(3)
            postgres.resume()
            done.set()

        chaos = threading.Thread(target=faults)
        chaos.start()
        statuses: Counter = Counter()
        acknowledged = []
        try:
            while not done.is_set() or len(acknowledged) < 30:
                body = checkin_body(mood=len(acknowledged) % 11)
                # As the outbox does: try again a little later, for up to a minute
                # (a restart on a loaded machine can refuse connections for seconds).
                deadline = time.monotonic() + 60
                while True:
                    status = client.post(URL, json=body).status_code
                    statuses[status] += 1
                    if status in (200, 201):
                        acknowledged.append(uuid.UUID(body["id"]))
                        break
                    if time.monotonic() > deadline:
                        pytest.fail(f"never acknowledged: {statuses}")
                    time.sleep(0.2)
        finally:
            done.set()
            chaos.join()
            postgres.resume()
        stored = db.session.scalars(select(CheckIn.id).where(CheckIn.patient_id == patient.id))
        assert sorted(stored.all()) == sorted(acknowledged)
        assert len(set(acknowledged)) == len(acknowledged)
        assert set(statuses) <= {200, 201, 503}, statuses
        assert statuses[503] > 0  # the faults really were met
        with capsys.disabled():
            print(f"\nchaos: answers seen through a restart and a pause: {dict(statuses)}")
