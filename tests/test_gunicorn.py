"""Slow clients cannot take the service down (gunicorn.conf.py).

gunicorn runs with the shipped configuration and one worker; slow clients
open connections and trickle in part of a request, and never finish it.
A normal request still gets its answer. (With GUNICORN_THREADS=1, a
single-threaded worker, the same test times out: the first slow client
holds the worker.)
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.faults.scratch import spare_port

ROOT = Path(__file__).resolve().parent.parent
SLOW_CLIENTS = 5


def wait_until_serving(port: int, process) -> None:
    """Until a worker answers (the master listens before its worker has booted)."""
    for _ in range(600):
        if process.poll() is not None:
            raise AssertionError(process.stderr.read())
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


@pytest.fixture
def gunicorn(tmp_path):
    port = spare_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BETWEEN_", "TEST_", "DATABASE_", "GUNICORN_"))
    }
    env.update(
        BETWEEN_ENV="development",
        BETWEEN_INSTANCE_PATH=str(tmp_path),
        DATABASE_URL="sqlite:///" + str(tmp_path / "between.db"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_serving(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_slow_clients_do_not_stop_a_normal_request_being_answered(gunicorn):
    slow = []
    try:
        for _ in range(SLOW_CLIENTS):
            connection = socket.create_connection(("127.0.0.1", gunicorn), timeout=5)
            connection.sendall(b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow.append(connection)
        time.sleep(0.5)  # let the worker take them in
        with urllib.request.urlopen(f"http://127.0.0.1:{gunicorn}/readyz", timeout=30) as answer:
            assert answer.status == 200
            assert b'"database":"ok"' in answer.read().replace(b" ", b"")
    finally:
        for connection in slow:
            connection.close()
