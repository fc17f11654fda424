"""The production topology runs: two gunicorn servers, two push workers, Redis, PostgreSQL.

Runs bench/topology.py (real processes, the loopback push service that
decrypts every message) against a database of its own next to
TEST_DATABASE_URL's, and Redis on 127.0.0.1:6379. PostgreSQL only: several
push workers need FOR UPDATE SKIP LOCKED, and production runs PostgreSQL.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import make_url

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not URL.startswith(("postgresql", "postgres:")),
    reason="the production topology runs on PostgreSQL (set TEST_DATABASE_URL)",
)


def test_two_web_servers_and_two_workers_share_sessions_limits_and_the_outbox():
    url = make_url(URL)
    own = url.set(database=f"{url.database}_topology").render_as_string(hide_password=False)
    result = subprocess.run(  # noqa: S603 - our own script, our own arguments
        [
            sys.executable,
            str(ROOT / "bench" / "topology.py"),
            "--database-url",
            own,
            "--redis-url",
            "redis://127.0.0.1:6379/12",
            "--web-workers",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = result.stdout + result.stderr[-4000:]
    assert result.returncode == 0, report
    assert "FAIL" not in result.stdout, report
    assert "ok   each device received exactly what was due for it" in result.stdout, report
    assert "ok   both workers sent" in result.stdout, report
