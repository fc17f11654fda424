"""The worker as an operator runs it: the CLI, the loop, signals and its logs."""

import logging
import os
import signal
import threading
import time

from sqlalchemy import select

from server.extensions import db
from server.measures.models import MeasurePlan
from server.push import dispatch, outbox, subscriptions, worker
from server.push.models import Notification


def test_push_keys_prints_the_public_key(runner):
    result = runner.invoke(args=["push", "keys"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == subscriptions.vapid_public_key()


def test_send_test_queues_one_per_device_and_the_worker_delivers_it(
    runner, patient, subscribe, push_service
):
    phone, laptop = subscribe(patient), subscribe(patient)
    result = runner.invoke(args=["push", "send-test", patient.email])
    assert result.exit_code == 0, result.output
    assert "2 device" in result.output
    result = runner.invoke(args=["push", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Sent ")
    for device in (phone, laptop):
        tests = [d for d in push_service.received_by(device) if d.payload["tag"] == "test"]
        assert len(tests) == 1


def test_send_test_says_when_there_is_nothing_to_send_to(runner, patient):
    result = runner.invoke(args=["push", "send-test", patient.email])
    assert result.exit_code != 0 and "no device" in result.output
    result = runner.invoke(args=["push", "send-test", "nobody@example.test"])
    assert result.exit_code != 0 and "No account" in result.output


def test_the_worker_logs_counts_never_endpoints_or_payloads(
    app, patient, subscribe, push_service, sender, caplog
):
    # No questionnaires planned: the worker's planning pass would otherwise add
    # a baseline reminder, due at 10:00 local, so the answers below would
    # reach different rows depending on the hour the suite runs.
    db.session.add(MeasurePlan(patient_id=patient.id, phq9=False, gad7=False, pcl5=False))
    device = subscribe(patient)
    push_service.answer(device, 201, 410)
    outbox.queue_test(patient)
    outbox.queue_test(patient)
    db.session.commit()
    caplog.set_level(logging.DEBUG)
    worker.run(app, once=True, sender=sender)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "push: sent" in logged and "gone 1" in logged
    for secret in (device.token, device.endpoint, device.auth, device.p256dh, "working"):
        assert secret not in logged
    states = db.session.scalars(select(Notification.state).where(Notification.kind == "test"))
    assert sorted(states) == ["failed", "sent"]


def test_sigterm_stops_the_worker_loop_and_restores_the_handler(app, sender):
    stop, fell_back = threading.Event(), threading.Event()

    def fallback_stop():  # so a broken handler cannot hang the run
        fell_back.set()
        stop.set()

    fallback = threading.Timer(30, fallback_stop)
    terminate = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    before = signal.getsignal(signal.SIGTERM)
    fallback.start()
    terminate.start()
    try:
        worker.run(app, stop=stop, sender=sender)
    finally:
        fallback.cancel()
        terminate.cancel()
    assert stop.is_set() and not fell_back.is_set()
    assert signal.getsignal(signal.SIGTERM) is before


def test_the_worker_sleeps_until_the_next_row_is_due_but_not_longer_than_its_limit(app):
    from datetime import timedelta

    from server.db import utcnow

    now = utcnow()
    assert worker.seconds_until_next_due(now) == worker.MAX_IDLE_SECONDS
    assert dispatch.backoff(1, None) >= timedelta(seconds=dispatch.BACKOFF_BASE_SECONDS * 0.8)
    assert dispatch.backoff(30, None) <= timedelta(seconds=dispatch.BACKOFF_CAP_SECONDS * 1.2)
    assert dispatch.backoff(1, 900) >= timedelta(seconds=900)


def test_flask_push_worker_as_a_process_stops_cleanly_on_sigterm(tmp_path):
    """What `make run` does on Ctrl-C (and a process manager on stop): the worker
    process gets SIGTERM while it waits in its loop, and exits 0 at once."""
    import subprocess
    import sys

    from tests.conftest import PROJECT_ROOT

    env = {
        **os.environ,
        "BETWEEN_ENV": "development",
        "BETWEEN_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "between.db"),
    }
    create_tables = (
        "from server import create_app\nfrom server.extensions import db\n"
        "app = create_app()\nwith app.app_context(): db.create_all()\n"
    )
    # Fixed arguments and our own interpreter: nothing untrusted reaches the command.
    subprocess.run([sys.executable, "-c", create_tables], env=env, cwd=PROJECT_ROOT, check=True)  # noqa: S603
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "push", "worker"],
        env=env,
        cwd=PROJECT_ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(120, process.kill)  # a hung worker must not hang the run
    watchdog.start()
    try:
        lines = []
        for line in process.stderr:  # ends if the process dies first
            lines.append(line)
            if "push worker started" in line:
                break
        time.sleep(1)  # into its loop
        process.send_signal(signal.SIGTERM)
        # A process manager waits a little, then kills: the worker must be gone by then.
        assert process.wait(timeout=15) == 0
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    rest = process.stderr.read()
    assert "push worker stopped" in rest, "".join(lines) + rest


def test_a_failing_periodic_task_stops_neither_the_others_nor_delivery(
    app, patient, subscribe, push_service, sender, caplog
):
    device = subscribe(patient)
    outbox.queue_test(patient)
    db.session.commit()
    ran = []

    def broken(now):
        raise RuntimeError("a feature's scan failed")

    tasks = (
        worker.PeriodicTask("broken", worker.PLAN_EVERY, broken),
        worker.PeriodicTask("scan", worker.PLAN_EVERY, ran.append),
    )
    stop = threading.Event()
    thread = threading.Thread(
        target=worker.run, args=(app,), kwargs={"stop": stop, "sender": sender, "tasks": tasks}
    )
    thread.start()
    try:
        for _ in range(200):
            if push_service.received_by(device):
                break
            threading.Event().wait(0.05)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert [d.payload["tag"] for d in push_service.received_by(device)] == ["test"]
    assert len(ran) == 1  # once per period, not once per poll
    assert "task broken failed (RuntimeError)" in caplog.text
