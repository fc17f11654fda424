"""Login protection: shared failure counts across processes, and one answer for all.

SPEC 8: at most 10 failed logins per account-and-address and per address in
15 minutes (with a slower backstop per account, tests/auth/test_lockout.py),
counted across every web process through Redis, and the same answer whether
or not the account exists.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.auth import services
from server.extensions import limiter
from tests import factories

LOGIN = "/api/v1/auth/login"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own for this test

# One web process: its own create_app, its own Flask-Limiter. Separate OS
# processes, because the limiter is one module-level object: two create_app
# calls in one interpreter would share its storage even without Redis, and
# prove nothing.
WEB_PROCESS = """
import json, os, sys
os.environ["BETWEEN_ENV"] = "testing"
from server import create_app
from server.extensions import db

database_url, redis_url, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
attempts = json.loads(sys.argv[4])
overrides = {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url}
app = create_app({**overrides, "RATELIMIT_KEY_PREFIX": prefix})
assert app.config["RATELIMIT_STORAGE_URI"] == redis_url
with app.app_context():
    db.create_all()
client = app.test_client()
statuses = []
for email, address in attempts:
    response = client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": "not the right password"},
        environ_base={"REMOTE_ADDR": address, "HTTP_ORIGIN": "http://localhost"},
    )
    statuses.append(response.status_code)
print(json.dumps(statuses))
"""


@pytest.fixture
def shared_redis():
    """A key prefix of this run's own in Redis database 15, emptied before and after.

    Only this run's keys are deleted, not the whole database: on a shared
    machine another test run may be counting in it at the same moment.
    """
    import uuid

    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (CI starts it)")
    prefix = f"between-test-{uuid.uuid4().hex}"

    def empty():
        for key in connection.scan_iter(match=f"*{prefix}*"):
            connection.delete(key)

    empty()
    yield prefix
    empty()
    connection.close()


def web_process(database_url, prefix, attempts, redis_url=REDIS_URL):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TEST_DATABASE_URL")}
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", WEB_PROCESS, database_url, redis_url, prefix, json.dumps(attempts)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_failures_in_one_process_count_in_another_through_redis(shared_redis, tmp_path):
    database_url = "sqlite:///" + str(tmp_path / "shared.db")
    victim = "victim@clinic.test"
    guessing_address = "198.51.100.7"
    victim_guesser = "192.0.2.1"
    # Process A: five guesses at one account from one address, and five
    # guesses at five accounts from another address.
    first = web_process(
        database_url,
        shared_redis,
        [(victim, victim_guesser)] * 5
        + [(f"nobody{n}@clinic.test", guessing_address) for n in range(1, 6)],
    )
    assert first == [401] * 10
    # Process B: five more of each, still allowed: 10 in 15 minutes is the limit...
    second = web_process(
        database_url,
        shared_redis,
        [(victim, victim_guesser)] * 5
        + [(f"nobody{n}@clinic.test", guessing_address) for n in range(6, 11)]
        # ...and now both are locked, though B itself has seen only five of each.
        + [(victim, victim_guesser), ("someone.new@clinic.test", guessing_address)],
    )
    assert second == [401] * 10 + [429, 429]


def test_with_redis_unreachable_sign_in_fails_closed(tmp_path):
    # Redis gone (a restart, a network blip) must neither stop the limit nor
    # hand each process a fresh budget in memory: sign-in answers 503 meanwhile.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nowhere = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    statuses = web_process(
        "sqlite:///" + str(tmp_path / "alone.db"),
        "between-test-down",
        [("victim@clinic.test", f"192.0.2.{n}") for n in range(1, 12)],
        redis_url=nowhere,
    )
    assert statuses == [503] * 11


def test_unknown_accounts_get_the_same_answer_after_the_same_work(
    client, clinic, patient, monkeypatch
):
    verified = []
    real_verify = services.verify_password

    def spy(password_hash, password):
        verified.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr(services, "verify_password", spy)
    staff = factories.user(clinic, "therapist")
    body = {"password": "not the password!"}
    answers = {
        "unknown account": client.post(LOGIN, json={**body, "email": "nobody@clinic.test"}),
        "wrong password": client.post(LOGIN, json={**body, "email": patient.email}),
        "right password, no code": client.post(
            LOGIN, json={"email": staff.email, "password": factories.PASSWORD}
        ),
    }
    # Every path ran one Argon2 verification (the unknown account against a
    # dummy hash), so the cost does not tell the cases apart either.
    assert len(verified) == 3
    assert verified[0] is None and verified[1] and verified[2]
    reference = answers["unknown account"]
    for name, response in answers.items():
        assert response.status_code == 401, name
        assert response.get_json() == reference.get_json(), name
        assert response.mimetype == reference.mimetype, name
        assert "Set-Cookie" not in response.headers, name
        assert sorted(response.headers.keys()) == sorted(reference.headers.keys()), name


def test_unknown_accounts_are_limited_like_real_ones(app, patient):
    client = app.test_client()
    client.environ_base.update(HTTP_ORIGIN="http://localhost", REMOTE_ADDR="192.0.2.50")
    known, unknown = [], []
    for _ in range(11):
        known.append(
            client.post(LOGIN, json={"email": patient.email, "password": "wrong password!"})
        )
    client.environ_base["REMOTE_ADDR"] = "192.0.2.51"
    for _ in range(11):
        unknown.append(
            client.post(LOGIN, json={"email": "ghost@clinic.test", "password": "wrong password!"})
        )
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 10 + [429]
    assert known[-1].get_json() == unknown[-1].get_json()


def test_the_limit_counts_any_fifteen_minutes_not_a_window_that_resets(app, patient, monkeypatch):
    """No burst across a window's reset: 10 failures in any 15 minutes, then 429."""
    import limits.storage.memory

    class Clock:
        now = 1_900_000_000.0

        @classmethod
        def time(cls):
            return cls.now

    monkeypatch.setattr(limits.storage.memory, "time", Clock)
    limiter.reset()  # forget entries stamped with the real clock
    client = app.test_client()
    client.environ_base.update(HTTP_ORIGIN="http://localhost", REMOTE_ADDR="192.0.2.60")

    def attempt():
        return client.post(LOGIN, json={"email": patient.email, "password": "wrong guess!"})

    start = Clock.now
    assert attempt().status_code == 401  # one early failure...
    Clock.now = start + 890
    assert [attempt().status_code for _ in range(9)] == [401] * 9  # ...nine near the end
    Clock.now = start + 905  # a window begun by the first failure would have reset here
    assert [attempt().status_code for _ in range(2)] == [401, 429]  # only one fell out
    Clock.now = start + 890 + 901  # fifteen quiet minutes later, guessing may resume
    assert attempt().status_code == 401
