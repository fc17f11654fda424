"""Push workers killed mid-run: how many messages arrive twice, and how late the rest are.

Two push worker processes (`worker.run`, as `flask push worker` runs it) on PostgreSQL deliver
`--messages` test notifications to the loopback push service of the tests
(which verifies VAPID, decrypts every message and answers after
`--latency` seconds, as a distant service would). With `--kill`, one worker
is killed with SIGKILL once `--kill-at` of the messages have arrived.

Prints what the push service received: duplicates (a device given the same
message, by its Topic, more than once), whether every message kept its
Topic, and the seconds from the kill (or the start) until every row was
recorded as sent.

    TEST_DATABASE_URL=postgresql://… .venv/bin/python bench/push_kill.py --kill
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _worker(app, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "BETWEEN_ENV": "testing",
        "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "BETWEEN_INSTANCE_PATH": app.instance_path,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "ENCRYPTION_KEYS": app.config["ENCRYPTION_KEYS"],
        "VAPID_PRIVATE_KEY": app.config["VAPID_PRIVATE_KEY"],
    }
    # What `flask push worker` runs, with its log lines shown (a testing app
    # configures no logging of its own).
    script = (
        "import logging; logging.basicConfig(level=logging.INFO);"
        "from wsgi import app; from server.push import worker; worker.run(app)"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def _wait_for(predicate, limit: float, what: str, step: float = 0.005) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(step)


def measure(
    app,
    *,
    kill: bool,
    messages: int = 400,
    devices: int = 20,
    latency: float = 0.05,
    kill_at: float = 0.3,
    limit: float = 600.0,
    logs: Path | None = None,
) -> dict:
    """Run two workers over `messages` due notifications; what the push service saw.

    `app` is a testing app on PostgreSQL whose tables exist; the rows this
    adds are committed (the caller empties the tables after).
    """
    from sqlalchemy import func, select

    from server.extensions import db
    from server.measures.models import MeasurePlan
    from server.push.models import Notification
    from server.push.outbox import queue_test
    from tests import factories
    from tests.push.pushservice import LoopbackPushService

    logs = logs or Path(app.instance_path)
    with LoopbackPushService(latency=latency) as service, app.app_context():
        clinic = factories.clinic()
        # Five devices each, the most an account keeps (server.push.subscriptions).
        patients = [factories.user(clinic) for _ in range(max(1, devices // 5))]
        for patient in patients:
            db.session.add(MeasurePlan(patient_id=patient.id, phq9=False, gad7=False, pcl5=False))
        for n in range(devices):
            factories.push_subscription(patients[n % len(patients)], service.new_device())
        db.session.commit()
        ids = [patient.id for patient in patients]
        workers = [_worker(app, logs / f"push-kill-worker-{n}.log") for n in (1, 2)]
        try:
            for n in (1, 2):
                log = logs / f"push-kill-worker-{n}.log"
                _wait_for(lambda log=log: "push worker started" in log.read_text(), 120, "start")
            for _ in range(messages // devices):
                for patient in patients:
                    queue_test(patient)
            db.session.commit()
            started = time.monotonic()

            def unsent() -> int:
                db.session.rollback()
                return db.session.scalar(
                    select(func.count()).where(
                        Notification.user_id.in_(ids),
                        Notification.kind == "test",
                        Notification.state != "sent",
                    )
                )

            killed_at = None
            if kill:
                _wait_for(lambda: len(service.deliveries) >= messages * kill_at, limit, "kill")
                workers[0].send_signal(signal.SIGKILL)
                killed_at = time.monotonic()
            _wait_for(lambda: unsent() == 0, limit, "all sent", step=0.1)
            finished = time.monotonic()
            topics = set(
                db.session.scalars(
                    select(Notification.topic).where(
                        Notification.user_id.in_(ids), Notification.kind == "test"
                    )
                )
            )
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
            for worker in workers:
                worker.wait(timeout=60)
        with service._lock:
            deliveries = [d for d in service.deliveries if d.payload.get("tag") == "test"]
    received = Counter((d.token, d.headers.get("topic")) for d in deliveries)
    return {
        "messages": messages,
        "killed": kill,
        "delivered": len(deliveries),
        "duplicates": sum(n - 1 for n in received.values()),
        "every message kept its Topic": {topic for _, topic in received} == topics,
        "seconds until all sent": round(finished - (killed_at or started), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kill", action="store_true", help="SIGKILL one worker mid-run")
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    os.environ["BETWEEN_ENV"] = "testing"
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        raise SystemExit("set TEST_DATABASE_URL to a PostgreSQL database of your own")
    import tempfile

    from sqlalchemy import text

    from server import create_app
    from server.extensions import db

    instance = tempfile.mkdtemp(prefix="push-kill-")
    os.environ["BETWEEN_INSTANCE_PATH"] = instance
    app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ["TEST_DATABASE_URL"]})
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        db.create_all()
    result = measure(
        app, kill=args.kill, messages=args.messages, latency=args.latency, logs=Path(instance)
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
