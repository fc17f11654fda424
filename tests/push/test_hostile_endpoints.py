"""A push endpoint is chosen by the patient: the worker must survive a hostile one.

The worker runs as operators run it (`flask push worker --once`, its own
process) against endpoints that answer with a huge body or a gzip bomb; its
peak memory is read from the kernel (`wait4`) and compared with a run that
delivers one ordinary message.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from server.extensions import db
from server.measures.models import MeasurePlan
from server.push.models import Notification
from server.push.outbox import queue_test
from tests import factories
from tests.push.hostile import HostileEndpoints

ROOT = Path(__file__).resolve().parents[2]
#: What reading at most a few KB of any answer may add to the worker's peak.
HEADROOM_KB = 48 * 1024


def run_worker_once(app) -> tuple[int, str]:
    """`flask push worker --once` in a process of its own: (peak RSS in KiB, output)."""
    env = {
        **os.environ,
        "BETWEEN_ENV": "testing",
        "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "BETWEEN_INSTANCE_PATH": app.instance_path,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "ENCRYPTION_KEYS": app.config["ENCRYPTION_KEYS"],
        "VAPID_PRIVATE_KEY": app.config["VAPID_PRIVATE_KEY"],
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "push", "worker", "--once"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, output
    return usage.ru_maxrss, output


def _patient_with_a_device_at(endpoint: str):
    patient = factories.user(factories.clinic())
    # No questionnaire reminders: only the test notification is due.
    db.session.add(MeasurePlan(patient_id=patient.id, phq9=False, gad7=False, pcl5=False))
    factories.push_subscription(patient, endpoint=endpoint)
    queue_test(patient)
    db.session.commit()
    return patient


def _states(patient) -> list[tuple[str, str | None]]:
    db.session.expire_all()
    return [
        (row.state, row.last_error)
        for row in db.session.scalars(
            select(Notification).where(
                Notification.user_id == patient.id, Notification.kind == "test"
            )
        )
    ]


@pytest.mark.committed
def test_a_huge_body_or_a_gzip_bomb_leaves_the_worker_small_and_fails_the_message(
    app, push_service, record_property
):
    ordinary = factories.user(factories.clinic())
    db.session.add(MeasurePlan(patient_id=ordinary.id, phq9=False, gad7=False, pcl5=False))
    factories.push_subscription(ordinary, push_service.new_device())
    queue_test(ordinary)
    db.session.commit()
    baseline, _ = run_worker_once(app)
    assert _states(ordinary) == [("sent", None)]

    with HostileEndpoints() as hostile:
        peaks = {}
        for kind in ("huge", "bomb"):
            patient = _patient_with_a_device_at(hostile.url(kind))
            peaks[kind], _ = run_worker_once(app)
            [(state, error)] = _states(patient)
            assert hostile.hits[kind] == 1
            assert state == "failed", (kind, state, error)
            assert error == "answer too large"
    record_property("peak_rss_kib", {"baseline": baseline, **peaks})
    print(f"\npeak RSS KiB: baseline {baseline}, huge {peaks['huge']}, bomb {peaks['bomb']}")
    for kind, peak in peaks.items():
        assert peak - baseline < HEADROOM_KB, (kind, peak, baseline)
