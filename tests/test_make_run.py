"""`make run` as a developer uses it: on the port asked for, and Ctrl-C (SIGINT to
the terminal's process group) ends the web server and the push worker, with no
crash reported by make (issue 19, item 9)."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.conftest import PROJECT_ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_a_terminal_starts_it():
    # Its own process group, as a shell gives a foreground job, with Ctrl-C's
    # signal not ignored (a test run from a background job inherits it ignored).
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(shutil.which("make") is None, reason="no make here")
def test_make_run_serves_on_its_port_and_ctrl_c_stops_server_and_worker(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "BETWEEN_ENV": "development",
        "BETWEEN_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "between.db"),
    }
    output = tmp_path / "make-run.log"
    with output.open("w") as log:
        # -o: never reinstall the virtualenv from a test. Fixed arguments only.
        make = subprocess.Popen(  # noqa: S603
            ["make", "-o", ".venv/.installed", "run", f"PORT={port}"],  # noqa: S607
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_as_a_terminal_starts_it,
        )
    try:
        deadline = time.monotonic() + 180  # migrations and the demo seed come first
        while True:
            assert make.poll() is None, output.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    assert page.status == 200
                break
            except OSError:
                assert time.monotonic() < deadline, output.read_text()
                time.sleep(0.5)
        while "push worker started" not in output.read_text():
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.2)

        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C
        make.wait(timeout=30)
        for _ in range(50):  # the group's last process may still be on its way out
            if not _group_alive(make.pid):
                break
            time.sleep(0.1)
        assert not _group_alive(make.pid), "a process of make run outlived Ctrl-C"
        said = output.read_text()
        assert "push worker stopped" in said
        for crash in ("Segmentation fault", "***", "Traceback"):
            assert crash not in said, said
    finally:
        if _group_alive(make.pid):
            os.killpg(make.pid, signal.SIGKILL)
        make.wait(timeout=10)
