"""The production topology, run for real on one machine, and the flows through it.

Starts, against one fresh PostgreSQL database and the local Redis:

- two gunicorn servers (sync workers) on two ports, A and B, as two hosts
  behind one TLS proxy would be; the requests carry the proxy's headers
  (X-Forwarded-For/-Proto/-Host), which the app trusts through ProxyFix;
- two `flask push worker` processes (the real CLI);
- the loopback push service of the tests (tests/push/pushservice.py), which
  verifies every VAPID signature and decrypts every message.

Everything runs with BETWEEN_ENV=production and generated secrets, with one
exception: production refuses a push endpoint that is not https on a
public address, and the loopback service is http on 127.0.0.1, so the web
servers load `web_app()` below: the production app with
ALLOW_HTTP_PUSH_ENDPOINTS on (as in development and testing), and so do
the push workers, whose egress policy would otherwise refuse to connect to
127.0.0.1.

The flows, each through both ports: a therapist created by `flask user
create` signs in with TOTP on A and invites a patient; the patient accepts
on B, signs in on A, registers push devices on A and writes a check-in on
B; the therapist reads it on B. Ten failed sign-ins split over A and B make
the eleventh answer 429 on both (the limiter's state is in Redis, shared).
Then due notifications are queued, some by `flask push send-test`, most by
the push feature's own `queue()`, all due at one instant so both workers
wake for them; the script waits until they are all sent and asserts that
each was delivered exactly once (the service's decrypted deliveries per
device against the outbox), that both workers sent some, and that no log
line carries a push endpoint or what the patient wrote.

    .venv/bin/python bench/topology.py [--database-url ...] [--redis-url ...]

Exit code 0 when every check holds. The database is dropped at the end.
"""

import argparse
import http.cookies
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/between_topology"
DEFAULT_REDIS = "redis://127.0.0.1:6379/11"
#: What the proxy tells the app: the public origin the browser sees.
PUBLIC_HOST = "between.example.org"
PUBLIC_ORIGIN = f"https://{PUBLIC_HOST}"
PATIENT_PASSWORD = "a long patient passphrase"  # noqa: S105 - made up for this run
NOTE = "topology note: slept well after the session"


def web_app():
    """The production app for the web servers, accepting loopback push endpoints."""
    from server import create_app

    app = create_app()
    app.config["ALLOW_HTTP_PUSH_ENDPOINTS"] = True
    return app


# --- processes ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {args[0]} {args[1]} failed: {result.stderr[-2000:]}")
    return result.stdout


def start_gunicorn(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "30",
            "--forwarded-allow-ips",
            "127.0.0.1",
            "--log-level",
            "info",
            "bench.topology:web_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(
        [str(VENV_BIN / "flask"), "--app", "bench.topology:web_app()", "push", "worker"],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )


def wait_ready(port: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.time() + timeout  # a loaded 2-core machine starts slowly
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn on {port} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn on {port} not ready")


def stop(processes: list) -> None:
    for process, how in processes:
        if process.poll() is None:
            process.send_signal(how)
    for process, _how in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- a browser behind the TLS proxy ----------------------------------------------------


class Browser:
    """One person's browser. Requests go to port A or B as the proxy would send them.

    The proxy ends TLS, so the app's cookies are `Secure` and the browser
    sends them (it speaks https to the proxy); here they are kept by hand,
    as an http client would not send a Secure cookie over plain http.
    """

    def __init__(self, ports: dict, address: str):
        self.ports = ports
        self.address = address
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None

    def request(self, port: str, method: str, path: str, body=None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        headers = {
            "Host": PUBLIC_HOST,
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": PUBLIC_HOST,
            "Origin": PUBLIC_ORIGIN,
            "Content-Type": "application/json",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.ports[port]}{path}", data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - http://127.0.0.1
                status, raw, reply = answer.status, answer.read(), answer.headers
        except urllib.error.HTTPError as error:
            status, raw, reply = error.code, error.read(), error.headers
        for value in reply.get_all("Set-Cookie") or []:
            parsed = http.cookies.SimpleCookie(value)
            for name, morsel in parsed.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        payload = json.loads(raw) if raw and raw[:1] in (b"{", b"[") else {}
        if isinstance(payload, dict) and payload.get("csrf_token"):
            self.csrf = payload["csrf_token"]
        self.last_headers = reply
        return status, payload


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def expect(status: int, payload, wanted: int, what: str) -> dict:
    if status != wanted:
        raise AssertionError(f"{what}: {status} (wanted {wanted}): {payload}")
    return payload


# --- the run -----------------------------------------------------------------------------


def run(
    database_url: str, redis_url: str, devices: int, per_device: int, web_workers: int, logs: Path
):
    sys.path.insert(0, str(ROOT))
    import pyotp
    import redis
    from sqlalchemy import create_engine, make_url, text

    from bench.api_bench import bench_environment, fresh_database
    from tests.push.pushservice import LoopbackPushService

    if "topology" not in (make_url(database_url).database or ""):
        sys.exit("refusing to recreate a database whose name does not contain 'topology'")
    url = fresh_database(database_url)
    env = bench_environment(url)
    # The script plays the TLS proxy (X-Forwarded-*): one trusted hop.
    env.update(
        REDIS_URL=redis_url,
        VAPID_SUBJECT="mailto:operator@between.example.org",
        TRUSTED_PROXY_HOPS="1",
    )
    env.pop("BETWEEN_INSTANCE_PATH", None)
    run_id = uuid.uuid4().hex[:8]
    began = time.perf_counter()
    processes = []
    engine = create_engine(url)
    try:
        with LoopbackPushService() as push_service:
            # -- deploy: migrations, then the processes ---------------------------------
            flask(env, "db", "upgrade")
            # The processes boot while the clinic and its therapist are created.
            ports = {"A": free_port(), "B": free_port()}
            web = {}
            for name, port in ports.items():
                web[name] = start_gunicorn(env, port, web_workers, logs / f"web-{name}.log")
                processes.append((web[name], signal.SIGINT))
            for n in (1, 2):
                processes.append((start_worker(env, logs / f"worker-{n}.log"), signal.SIGTERM))
            clinic_id = flask(env, "clinic", "create", "Topology clinic").split()[-1]
            therapist_email = f"therapist.{run_id}@between.example.org"
            created = flask(
                env,
                "user",
                "create",
                "--clinic",
                clinic_id,
                "--role",
                "therapist",
                "--email",
                therapist_email,
                "--name",
                "Dr Topology",
                "--password-stdin",
                stdin="a long therapist passphrase\n",
            )
            secret = re.search(r"secret=([A-Z2-7]+)", created).group(1)
            for name, port in ports.items():
                wait_ready(port, web[name])
            started = time.perf_counter() - began
            progress(f"4 processes ready after {started:.1f} s")

            # -- the therapist signs in (TOTP) on A and invites a patient ------------------
            therapist = Browser(ports, "198.51.100.10")
            expect(
                *therapist.request(
                    "A",
                    "POST",
                    "/api/v1/auth/login",
                    {
                        "email": therapist_email,
                        "password": "a long therapist passphrase",
                        "totp": pyotp.TOTP(secret).now(),
                    },
                ),
                200,
                "therapist login on A",
            )
            assert "Strict-Transport-Security" in therapist.last_headers, "no HSTS in production"
            patient_email = f"patient.{run_id}@between.example.org"
            invite = expect(
                *therapist.request(
                    "A",
                    "POST",
                    "/api/v1/invites",
                    {"email": patient_email, "role": "patient", "display_name": "Pat Topology"},
                ),
                201,
                "invite on A",
            )
            # The link is built from the proxy's headers (ProxyFix), not 127.0.0.1:port.
            assert invite["accept_url"].startswith(PUBLIC_ORIGIN + "/"), invite["accept_url"]

            # -- the patient accepts on B, signs in on A, subscribes on A, writes on B ------
            patient = Browser(ports, "198.51.100.20")
            password = PATIENT_PASSWORD
            expect(
                *patient.request(
                    "B",
                    "POST",
                    f"/api/v1/invites/{invite['token']}/accept",
                    {"password": password},
                ),
                201,
                "accept on B",
            )
            patient.request("B", "POST", "/api/v1/auth/logout")
            patient.cookies.clear()
            patient.csrf = None
            me = expect(
                *patient.request(
                    "A",
                    "POST",
                    "/api/v1/auth/login",
                    {"email": patient_email, "password": password},
                ),
                200,
                "patient login on A",
            )
            assert me["role"] == "patient"
            phones = [push_service.new_device() for _ in range(devices)]
            for device in phones:
                expect(
                    *patient.request(
                        "A", "POST", "/api/v1/push/subscriptions", device.subscription_json()
                    ),
                    201,
                    "subscribe on A",
                )
            checkin_id = str(uuid.uuid4())
            checkin = {
                "id": checkin_id,
                "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60)),
                "mood": 7,
                "note": NOTE,
                "shared": True,
            }
            expect(*patient.request("B", "POST", "/api/v1/checkins", checkin), 201, "check-in on B")
            # The same request again on A: the idempotent retry finds the stored row.
            expect(*patient.request("A", "POST", "/api/v1/checkins", checkin), 200, "retry on A")
            timeline = expect(
                *therapist.request("B", "GET", f"/api/v1/patients/{me['id']}/timeline"),
                200,
                "timeline on B",
            )
            assert checkin_id in json.dumps(timeline), "the check-in is not on the timeline"

            # -- the login limit, counted across both ports ----------------------------------
            guesser = Browser(ports, f"203.0.113.{int(run_id[:2], 16) % 250 + 1}")
            wrong = {"email": f"nobody.{run_id}@between.example.org", "password": "not it at all"}
            statuses = [
                guesser.request("AB"[n % 2], "POST", "/api/v1/auth/login", wrong)[0]
                for n in range(10)
            ]
            assert statuses == [401] * 10, statuses
            after = [guesser.request(port, "POST", "/api/v1/auth/login", wrong)[0] for port in "AB"]
            assert after == [429, 429], (
                f"after 5 failures on A and 5 on B: {after}; the limit is not shared"
            )
            # The failures are counted in Redis (a moving window: one list entry each), in
            # the address's budget and in the budget of this account from this address
            # (server/auth/throttle.py); the account's part of a key is a keyed hash.
            store = redis.Redis.from_url(redis_url)
            limiter_keys = store.keys(f"*/login-address:{guesser.address}/*")
            assert limiter_keys, "no limiter state for this address in Redis"
            counted = store.llen(limiter_keys[0])
            assert counted >= 10, counted
            pair_keys = store.keys(f"*/login-account-address:*:{guesser.address}/*")
            assert len(pair_keys) == 1, "no limiter state for this account from this address"
            assert store.llen(pair_keys[0]) >= 10, store.llen(pair_keys[0])
            assert not store.keys(f"*{wrong['email']}*"), "a limiter key carries the email"

            progress("flows and the login limit checked")
            # -- due notifications: the CLI's test push, and a batch due at one instant ------
            flask(env, "push", "send-test", patient_email)
            due_in = 11  # longer than a worker's longest nap (10 s): both are waiting for it
            batch = (
                "import sys, uuid\n"
                "from datetime import timedelta\n"
                "from server import create_app\n"
                "from server.db import utcnow\n"
                "from server.extensions import db\n"
                "from server.push import services\n"
                "from server.push.models import PushSubscription\n"
                "app = create_app()\n"
                "with app.app_context():\n"
                "    user = uuid.UUID(sys.argv[1])\n"
                "    at = utcnow() + timedelta(seconds=int(sys.argv[2]))\n"
                "    ids = [s.id for s in db.session.query(PushSubscription).filter_by("
                "user_id=user)]\n"
                "    planned = [services.Planned('test', f'topology:{n}:{uuid.uuid4()}', at)"
                " for n in range(int(sys.argv[3]))]\n"
                "    services.queue(user, planned, ids)\n"
                "    db.session.commit()\n"
            )
            subprocess.run(
                [sys.executable, "-c", batch, me["id"], str(due_in), str(per_device)],
                cwd=ROOT,
                env=env,
                check=True,
            )
            expected = devices * (per_device + 1)
            deadline = time.time() + due_in + 60
            with engine.connect() as connection:
                while time.time() < deadline:
                    open_rows = connection.scalar(
                        text(
                            "SELECT count(*) FROM notifications"
                            " WHERE state IN ('pending', 'sending') AND due_at <= now()"
                        )
                    )
                    total = connection.scalar(
                        text("SELECT count(*) FROM notifications WHERE due_at <= now()")
                    )
                    connection.rollback()
                    if total >= expected and open_rows == 0:
                        break
                    time.sleep(0.5)
            settled = time.perf_counter() - began
            time.sleep(1.5)  # a duplicate, if any, would arrive now
        # The service is stopped: nothing more can arrive.
    finally:
        stop(list(reversed(processes)))
        engine.dispose()

    # -- what happened ----------------------------------------------------------------------
    verdicts = []
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT n.state, n.attempts, s.endpoint FROM notifications n"
                " LEFT JOIN push_subscriptions s ON s.id = n.subscription_id"
                " WHERE n.due_at <= now()"
            )
        ).all()
    engine.dispose()
    by_token_expected = {}
    for state, attempts, endpoint in rows:
        verdicts.append((state, attempts))
        token = endpoint.rsplit("/", 1)[-1] if endpoint else None
        by_token_expected[token] = by_token_expected.get(token, 0) + 1
    delivered = {}
    for delivery in push_service.deliveries:
        delivered[delivery.token] = delivered.get(delivery.token, 0) + 1
    worker_sent = []
    for n in (1, 2):
        text_ = (logs / f"worker-{n}.log").read_text()
        worker_sent.append(sum(int(m) for m in re.findall(r"push: sent (\d+)", text_)))
    all_logs = "\n".join(p.read_text() for p in sorted(logs.glob("*.log")))
    figures = {
        "due": len(rows),
        "expected": expected,
        "sent": sum(1 for state, _ in verdicts if state == "sent"),
        "delivered": len(push_service.deliveries),
        "devices": devices,
        "max per device": max(delivered.values(), default=0),
        "refused by the service": len(push_service.refusals),
        "worker 1 sent": worker_sent[0],
        "worker 2 sent": worker_sent[1],
        "seconds to start": round(started, 1),
        "seconds in all": round(settled, 1),
        "failures counted in Redis": counted,
    }
    checks = {
        "every due notification was queued": len(rows) == expected,
        "every due notification sent, at the first attempt": all(
            state == "sent" and attempts == 1 for state, attempts in verdicts
        ),
        "each device received exactly what was due for it (none twice, none lost)": delivered
        == by_token_expected,
        "every delivery decrypted, none refused": not push_service.refusals,
        "both workers sent, and their sums add up": worker_sent[0] > 0
        and worker_sent[1] > 0
        and sum(worker_sent) == len(rows),
        "no push endpoint in any log": push_service.origin not in all_logs
        and not any(token in all_logs for token in delivered),
        "no check-in note in any log": NOTE not in all_logs,
    }
    return figures, checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    # Five devices: the most one account keeps (server.push.subscriptions).
    parser.add_argument("--devices", type=int, default=5, help="the patient's push devices")
    parser.add_argument("--per-device", type=int, default=120, help="notifications per device")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per port")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="between-topology-"))
    try:
        figures, checks = run(
            args.database_url, args.redis_url, args.devices, args.per_device, args.web_workers, logs
        )
    except BaseException:
        print(f"failed; the processes' logs are in {logs}", file=sys.stderr)
        raise
    finally:
        if not args.keep_database:
            sys.path.insert(0, str(ROOT))
            from sqlalchemy import create_engine, make_url, text

            url = make_url(args.database_url).set(drivername="postgresql+psycopg")
            admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            admin.dispose()
    for name, value in figures.items():
        print(f"{name:28} {value}")
    failed = [name for name, ok in checks.items() if not ok]
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    print(f"logs: {logs}; load average {os.getloadavg()[0]:.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
