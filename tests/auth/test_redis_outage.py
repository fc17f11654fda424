"""The login limit holds through a Redis outage (issue 16.5).

A Redis of the test's own, on a spare loopback port, is stopped and paused
(SIGSTOP) under a web process. While it is gone or hung, sign-in fails
closed with a 503 problem (never a fresh budget per process, never a 500),
a hung Redis costs a request only the short socket timeout, the outage is
logged once, and the lock set before the outage still holds after it,
after a crash (SIGKILL) too when Redis keeps an append-only file, as
docs/deploy.md asks of production.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# One web process with its own limiter (see test_login_limits.py for why a
# separate process). It reads commands from stdin: one line per attempt
# batch, and prints one JSON line of statuses, so the test can act on Redis
# in between.
WEB_PROCESS = """
import json, logging, os, sys
os.environ["BETWEEN_ENV"] = "testing"
from server import create_app
from server.extensions import db
from tests import factories

lines = []
class Keep(logging.Handler):
    def emit(self, record):
        lines.append(record.getMessage())
logging.getLogger("server.auth.throttle").addHandler(Keep())

database_url, redis_url = sys.argv[1], sys.argv[2]
app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url})
with app.app_context():
    db.create_all()
    factories.user(factories.clinic(), "patient", email="victim@clinic.test")
client = app.test_client()
for command in sys.stdin:
    count, password = json.loads(command)
    statuses = []
    for _ in range(count):
        response = client.post(
            "/api/v1/auth/login",
            json={"email": "victim@clinic.test", "password": password},
            environ_base={"REMOTE_ADDR": "192.0.2.9", "HTTP_ORIGIN": "http://localhost"},
        )
        statuses.append(response.status_code)
        if response.status_code == 503:
            body = response.get_json()
            assert body["type"] == "/problems/sign-in-unavailable", body
            assert response.headers["Retry-After"], response.headers
    print(json.dumps({"statuses": statuses, "log": lines}), flush=True)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    def __init__(self, tmp_path, *options: str):
        self.port = free_port()
        self.dir = tmp_path
        self.pidfile = tmp_path / "redis.pid"
        self.options = options

    def start(self):
        subprocess.run(  # noqa: S603 - the machine's own redis-server
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                *self.options,
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.pidfile),
                "--dir",
                str(self.dir),
            ],
            check=True,
            capture_output=True,
        )
        for _ in range(100):
            if self.pidfile.exists() and self.cli("ping").stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def cli(self, *args):
        return subprocess.run(  # noqa: S603
            [shutil.which("redis-cli"), "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )

    @property
    def pid(self) -> int:
        return int(self.pidfile.read_text().strip())

    def stop(self):
        self.cli("shutdown", "nosave")
        for _ in range(100):
            if not self.pidfile.exists():
                return
            time.sleep(0.05)


#: What docs/deploy.md asks of production's Redis: every counted failure on disk.
PERSISTENT = ("--appendonly", "yes", "--appendfsync", "always")


@contextlib.contextmanager
def running_redis(tmp_path, *options):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    redis = OwnRedis(tmp_path, *options)
    redis.start()
    try:
        yield redis
    finally:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError):
            os.kill(redis.pid, signal.SIGCONT)
        redis.stop()


@pytest.fixture
def own_redis(tmp_path):
    with running_redis(tmp_path) as redis:
        yield redis


class WebProcess:
    def __init__(self, tmp_path, redis_url):
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TEST_DATABASE_URL")}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", WEB_PROCESS, f"sqlite:///{tmp_path}/web.db", redis_url],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def attempts(self, count, password="not the password at all"):
        self.process.stdin.write(json.dumps([count, password]) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, self.process.stderr.read()[-3000:]
        return json.loads(line)

    def close(self):
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        finally:
            self.process.kill()


@pytest.fixture
def web(tmp_path, own_redis):
    process = WebProcess(tmp_path, f"redis://127.0.0.1:{own_redis.port}/0")
    yield process
    process.close()


def _bounded(call, seconds=60):
    """Run `call` in a thread; fail (rather than hang the suite) if it never returns."""
    import threading

    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", call()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert "value" in result, "sign-in waited on a hung Redis"
    return result["value"]


def test_a_lock_holds_through_redis_stopping_and_coming_back(own_redis, web):
    assert web.attempts(11)["statuses"] == [401] * 10 + [429]
    # Stopped with a snapshot, as a network outage would keep the counts.
    own_redis.cli("shutdown", "save")
    # Gone: the guesser gets no password checked, and no 500.
    down = web.attempts(20)
    assert down["statuses"] == [503] * 20
    assert len([line for line in down["log"] if "cannot be counted" in line]) == 1
    own_redis.start()
    back = web.attempts(3)
    assert back["statuses"] == [429] * 3  # the lock from before the outage
    assert len([line for line in back["log"] if "counted again" in line]) == 1


def test_a_hung_redis_costs_a_short_timeout_then_a_503(own_redis, web):
    assert web.attempts(3)["statuses"] == [401] * 3
    os.kill(own_redis.pid, signal.SIGSTOP)
    try:
        hung = _bounded(lambda: web.attempts(3))
    finally:
        os.kill(own_redis.pid, signal.SIGCONT)
    assert hung["statuses"] == [503] * 3
    assert len([line for line in hung["log"] if "cannot be counted" in line]) == 1
    # Resumed: the three failures from before still count (seven more, then locked).
    assert web.attempts(8)["statuses"] == [401] * 7 + [429]
    # The right password answers again too, once it is not locked.
    assert web.attempts(1, "a long test passphrase")["statuses"] == [429]


def test_a_persistent_redis_that_crashes_keeps_the_lock(tmp_path):
    with running_redis(tmp_path, *PERSISTENT) as redis:
        web = WebProcess(tmp_path, f"redis://127.0.0.1:{redis.port}/0")
        try:
            assert web.attempts(11)["statuses"] == [401] * 10 + [429]
            pid = redis.pid
            os.kill(pid, signal.SIGKILL)  # a crash: no shutdown, no snapshot
            for _ in range(600):  # until it no longer answers; a bound, not a timing
                if redis.cli("ping").stdout.strip() != "PONG":
                    break
                time.sleep(0.05)
            redis.pidfile.unlink(missing_ok=True)
            assert web.attempts(5)["statuses"] == [503] * 5
            redis.start()  # from its append-only file
            assert web.attempts(3)["statuses"] == [429] * 3
        finally:
            web.close()
