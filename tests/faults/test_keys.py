"""A valid but wrong ENCRYPTION_KEYS is refused at start-up; a malformed one is explained.

Start-up is tested as operators meet it: `python -c "import wsgi"` and
`flask --app wsgi …` in a process of their own, judged on exit status and
what they print. The late check (database away at start-up) is tested on
the scratch PostgreSQL, stopped while the app starts.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from server import crypto, keycheck
from server.extensions import db
from server.journal.models import CheckIn
from server.secrets import new_encryption_key
from tests.faults.conftest import app_on, signed_in_patient
from tests.faults.scratch import spare_port
from tests.journal.conftest import checkin_body

pytestmark = pytest.mark.committed
ROOT = Path(__file__).resolve().parent.parent.parent
NOTE = "A quiet evening; the fear was smaller."


def start(url: str, keys: str, instance: Path, *command: str, **extra_env: str):
    """Run `command` (default: import the WSGI app) as a deployment would."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BETWEEN_", "TEST_", "DATABASE_", "ENCRYPTION_"))
    }
    env.update(
        BETWEEN_ENV="development",
        BETWEEN_INSTANCE_PATH=str(instance),
        DATABASE_URL=url,
        ENCRYPTION_KEYS=keys,
        **extra_env,
    )
    argv = list(command) or [sys.executable, "-c", "import wsgi"]
    return subprocess.run(  # noqa: S603 - our own interpreter and app
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def assert_refused(result, *words: str):
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("Between will not start: "), result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.fixture
def written_under_a(tmp_path):
    """A SQLite database holding a check-in note encrypted under key A."""
    key_a = new_encryption_key()
    url = "sqlite:///" + str(tmp_path / "between.db")
    with app_on(url, ENCRYPTION_KEYS=key_a, KEY_CHECK=True) as app:
        _, client = signed_in_patient(app)
        assert client.post("/api/v1/checkins", json=checkin_body(note=NOTE)).status_code == 201
    return url, key_a


@pytest.mark.parametrize(
    ("mistake", "says"),
    [
        (lambda a, b: f"{a};{b}", "separate keys with commas"),
        (lambda a, b: f"{a},{b},", "entry 3 of 3 is empty"),
        (lambda a, b: a[:-2], "41 characters long"),
        (lambda a, b: "+" + a[1:], "standard base64"),
        (lambda a, b: a[:-1] + "/", "standard base64"),
        (lambda a, b: f"{a} {b}", "separate keys with commas"),
        (lambda a, b: f"{a}\n{b}", "separate keys with commas"),
        (lambda a, b: f"{a},,{b}", "entry 2 of 3 is empty"),
        (lambda a, b: f"{a}==,{b}", "more than one '='"),
    ],
)
def test_a_malformed_key_list_says_what_is_wrong_without_a_traceback(tmp_path, mistake, says):
    keys = mistake(new_encryption_key(), new_encryption_key())
    result = start("sqlite:///" + str(tmp_path / "b.db"), keys, tmp_path)
    assert_refused(result, "ENCRYPTION_KEYS", says)
    for part in re.split(r"[;,\s]", keys):
        assert not part or part.rstrip("=") not in result.stderr  # never the key itself


def test_gunicorn_stops_on_a_malformed_key_list_rather_than_restarting_workers(tmp_path):
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
    result = start(
        "sqlite:///" + str(tmp_path / "b.db"),
        f"{new_encryption_key()};{new_encryption_key()}",
        tmp_path,
        *gunicorn,
        GUNICORN_BIND=f"127.0.0.1:{spare_port()}",
        GUNICORN_WORKERS="1",
    )  # returns at all: the master stopped (start() gives up after 120 s)
    assert result.returncode == 4, result.stderr[-2000:]
    assert "Between will not start: ENCRYPTION_KEYS" in result.stderr
    assert "App failed to load" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "keys",
    [
        lambda a, b: f"{a}, {b}",  # a space after the comma
        lambda a, b: f"{a}=,{b}",  # one '=' of padding
    ],
)
def test_harmless_spelling_differences_are_accepted(keys):
    assert len(crypto.parse_keys(keys(new_encryption_key(), new_encryption_key()))) == 2


def test_a_wrong_key_is_refused_at_start_up_and_rotation_still_works(written_under_a, tmp_path):
    url, key_a = written_under_a
    key_b = new_encryption_key()
    # Written before key checks were recorded: judged by the stored note.
    assert_refused(start(url, key_b, tmp_path), "opens none of the texts")
    # The right key starts, and records its check value.
    assert start(url, key_a, tmp_path).returncode == 0
    refused = start(url, key_b, tmp_path, *flask("keys", "rotate"))
    assert_refused(
        refused, "opens none of the data", crypto.key_id(crypto.b64url_decode(key_a)).hex()
    )

    rotated = start(url, f"{key_b},{key_a}", tmp_path, *flask("keys", "rotate"))
    assert rotated.returncode == 0, rotated.stderr
    assert "checkins.note: 1 re-encrypted" in rotated.stdout
    # After the rotation the new key alone starts and the old one alone is refused.
    assert start(url, key_b, tmp_path).returncode == 0
    assert_refused(start(url, key_a, tmp_path), "opens none of the data")
    with app_on(url, create=False, ENCRYPTION_KEYS=key_b, KEY_CHECK=True):
        assert [row.note for row in db.session.scalars(db.select(CheckIn))] == [NOTE]


def test_keys_checked_late_refuse_readiness_and_requests(postgres):
    key_a, key_b = new_encryption_key(), new_encryption_key()
    url = postgres.new_database()
    with app_on(url, ENCRYPTION_KEYS=key_a, KEY_CHECK=True) as app:
        _, client = signed_in_patient(app)
        assert client.post("/api/v1/checkins", json=checkin_body(note=NOTE)).status_code == 201
        keycheck.record(crypto.keyring())  # key A's check value
    postgres.stop()
    try:
        with app_on(url, create=False, ENCRYPTION_KEYS=key_b, KEY_CHECK=True) as app:
            postgres.start()  # back after start-up: the check was deferred
            client = app.test_client()
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert ready.get_json()["encryption_keys"] == "mismatch"
            answer = client.get("/api/v1/auth/me")
            assert answer.status_code == 503
            assert answer.get_json()["type"] == "/problems/encryption-keys"
            assert client.get("/healthz").status_code == 200
    finally:
        postgres.start()
