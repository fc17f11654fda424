"""`make run`'s push worker stops when told: SIGTERM (what Ctrl-C's trap and
process managers send) ends the process."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def flask(args, env, **kwargs):
    return subprocess.run(  # noqa: S603 - our own flask, fixed arguments
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_the_worker_ends_on_sigterm(tmp_path):
    env = {
        **os.environ,
        "BETWEEN_ENV": "development",
        "BETWEEN_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'between.db'}",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    for step in (["db", "upgrade"], ["push", "keys"]):
        done = flask(step, env)
        assert done.returncode == 0, done.stderr[-2000:]
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "push", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for line in worker.stdout:
            if "push worker started" in line:
                break
        time.sleep(1)  # into its loop
        worker.send_signal(signal.SIGTERM)
        # A process manager waits a little, then kills: the worker must be gone by then.
        assert worker.wait(timeout=15) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
