"""API throughput and latency under gunicorn on PostgreSQL, as ratios.

Starts gunicorn (sync workers) serving bench/app.py against a fresh
PostgreSQL database, then drives it with wrk from a second process on
loopback: each of our endpoints beside the thinnest endpoint doing the same
database work, in the same server and the same run.

    .venv/bin/python bench/api_bench.py [--seconds 10] [--connections 32] [--low-connections 8]

The patient's check-in POST is also driven at a lower concurrency, and the
throughput that `--connections` clients would need for the p99 budget is
printed beside what was measured (Little's law: with every connection busy,
mean latency = connections / throughput). The therapist's caseload and
brief run beside bare endpoints doing their reads in one or two SELECTs.

Needs wrk (Debian package `wrk`) and PostgreSQL on 127.0.0.1:5432.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

POST_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
{auth}
local r = math.random
function init(args) math.randomseed(os.time() * 1000 + (tonumber(tostring({{}}):sub(8)) or 0)) end
request = function()
  local id = string.format("%04x%04x-%04x-4%03x-%04x-%04x%04x%04x",
    r(0, 65535), r(0, 65535), r(0, 65535), r(0, 4095), 32768 + r(0, 16383),
    r(0, 65535), r(0, 65535), r(0, 65535))
  local body = '{{"id": "' .. id .. '", "recorded_at": "2026-01-15T08:30:00-05:00", ' ..
    '"mood": 6, "anxiety": 3, "energy": 5, "sleep_quality": 7, ' ..
    '"emotions": ["calm", "hopeful"], "note": "slept well, a quiet morning"}}'
  return wrk.format(nil, nil, nil, body)
end
"""

GET_SCRIPT = """
{auth}
"""


def fresh_database(url: str) -> str:
    admin_url = make_url(url).set(drivername="postgresql+psycopg")
    name = admin_url.database
    admin = create_engine(admin_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.render_as_string(hide_password=False)


def bench_environment(database_url: str) -> dict:
    from server.secrets import new_encryption_key, new_vapid_private_key

    env = dict(os.environ)
    env.update(
        BETWEEN_ENV="production",
        DATABASE_URL=database_url,
        SECRET_KEY=uuid.uuid4().hex * 2,
        ENCRYPTION_KEYS=new_encryption_key(),
        VAPID_PRIVATE_KEY=new_vapid_private_key(),
        PYTHONPATH=str(ROOT),
        # Clients reach gunicorn directly here: no proxy's X-Forwarded-For is believed.
        TRUSTED_PROXY_HOPS="0",
    )
    env.pop("REDIS_URL", None)
    return env


SEED_PATIENTS = 20
SEED_DAYS = 60


def seed(env: dict) -> dict:
    """Migrate, then create a clinic, a therapist (TOTP enrolled) and their patients.

    The bench patient and SEED_PATIENTS others have SEED_DAYS days of daily
    shared check-ins (with a note) and an entry every third day, so the
    caseload and the brief read something. Returns the ids and bearer tokens.
    """
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    code = (
        "import uuid\n"
        "from datetime import timedelta\n"
        "from server import create_app\n"
        "from server.extensions import db\n"
        "from server.clinics.services import create_clinic\n"
        "from server.auth import services\n"
        "from server.auth.totp import new_secret\n"
        "from server.db import utcnow\n"
        "from server.journal.models import CheckIn, JournalEntry\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    clinic = create_clinic('Bench clinic')\n"
        "    t = services.create_user(clinic_id=clinic.id, role='therapist',"
        " email='t@bench.test', password='bench therapist passphrase')\n"
        "    t.totp_secret = new_secret()\n"
        "    p = services.create_user(clinic_id=clinic.id, role='patient',"
        " email='p@bench.test', password='bench patient passphrase', therapist=t)\n"
        "    others = [services.create_user(clinic_id=clinic.id, role='patient',"
        " email=f'p{i}@bench.test', password='bench patient passphrase', therapist=t)"
        f" for i in range({SEED_PATIENTS})]\n"
        "    now = utcnow()\n"
        "    for patient in [p, *others]:\n"
        f"        for day in range({SEED_DAYS}):\n"
        "            at = now - timedelta(days=day, hours=3)\n"
        "            c = CheckIn(id=uuid.uuid4(), patient_id=patient.id, recorded_at=at,"
        " recorded_offset_minutes=0, mood=3 + day % 5, emotions=['calm'], shared=True)\n"
        "            c.note = 'a quiet day'\n"
        "            db.session.add(c)\n"
        "            if day % 3 == 0:\n"
        "                e = JournalEntry(id=uuid.uuid4(), patient_id=patient.id, written_at=at,"
        " written_offset_minutes=0, shared=True)\n"
        "                e.body = 'I wrote a little about the week.'\n"
        "                db.session.add(e)\n"
        "    token, clear = services.issue_token(p, 'bench')\n"
        "    staff_token, staff_clear = services.issue_token(t, 'bench')\n"
        "    db.session.commit()\n"
        "    print(p.id, t.id, clear, staff_clear)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    patient_id, therapist_id, token, staff_token = out[-4:]
    return {
        "patient_id": patient_id,
        "therapist_id": therapist_id,
        "token": token,
        "staff_token": staff_token,
    }


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.app:app",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.time() + 120  # a loaded 2-core machine starts slowly
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def wrk(url: str, script: str, seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    result = subprocess.run(
        [
            "wrk",
            "--latency",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "-s",
            handle.name,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(handle.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", result).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", result)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", result)
    return {
        "rps": rps,
        "p99_ms": float(p99.group(1)) * scale,
        "non_2xx": int(bad.group(1)) if bad else 0,
    }


def ratio(ours: dict, bare: dict) -> str:
    """ours / bare throughput, or n/a when the baseline got nothing done (a starved machine)."""
    return f"{ours['rps'] / bare['rps']:.2f}" if bare["rps"] else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--low-connections",
        type=int,
        default=8,
        help="the check-in POST is also run at this concurrency (0: not)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/between_bench"
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    database_url = fresh_database(args.database_url)
    env = bench_environment(database_url)
    seeded = seed(env)
    env["BENCH_PATIENT_ID"] = seeded["patient_id"]
    env["BENCH_THERAPIST_ID"] = seeded["therapist_id"]
    auth = f'wrk.headers["Authorization"] = "Bearer {seeded["token"]}"'
    staff = f'wrk.headers["Authorization"] = "Bearer {seeded["staff_token"]}"'
    base = f"http://127.0.0.1:{args.port}"
    low = args.low_connections
    server = start_gunicorn(env, args.port, args.workers)
    try:
        runs = {
            "hello-world JSON": (base + "/bench/hello", GET_SCRIPT.format(auth="")),
            "bare check-in insert": (base + "/bench/bare-checkin", POST_SCRIPT.format(auth="")),
            "POST /api/v1/checkins": (base + "/api/v1/checkins", POST_SCRIPT.format(auth=auth)),
            "bare read 30 rows": (base + "/bench/bare-read", GET_SCRIPT.format(auth="")),
            "GET /api/v1/checkins": (
                base + "/api/v1/checkins?limit=30",
                GET_SCRIPT.format(auth=auth),
            ),
            "GET /api/v1/prompts/due": (base + "/api/v1/prompts/due", GET_SCRIPT.format(auth=auth)),
            "bare caseload reads": (base + "/bench/bare-caseload", GET_SCRIPT.format(auth="")),
            "GET /api/v1/patients": (base + "/api/v1/patients", GET_SCRIPT.format(auth=staff)),
            "bare brief reads": (base + "/bench/bare-brief", GET_SCRIPT.format(auth="")),
            "GET .../brief": (
                base + f"/api/v1/patients/{seeded['patient_id']}/brief",
                GET_SCRIPT.format(auth=staff),
            ),
        }
        results = {}
        for name, (url, script) in runs.items():
            results[name] = wrk(url, script, args.seconds, args.connections)
            print(f"{name}: {results[name]}", flush=True)
        if low:
            for name in ("bare check-in insert", "POST /api/v1/checkins"):
                url, script = runs[name]
                results[f"{name} @{low}"] = wrk(url, script, args.seconds, low)
                print(f"{name} @{low}: {results[f'{name} @{low}']}", flush=True)
    finally:
        # SIGINT is gunicorn's quick shutdown; wrk's last keep-alive sockets
        # would hold a graceful one for its whole timeout.
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()

    print(
        f"\n{args.workers} gunicorn sync workers, {args.connections} connections "
        f"(and {low} where marked @{low}), {args.seconds}s each, PostgreSQL, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
    )
    print(f"{'endpoint':<32}{'req/s':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, figures in results.items():
        print(
            f"{name:<32}{figures['rps']:>10.0f}{figures['p99_ms']:>10.1f}{figures['non_2xx']:>10}"
        )
    ours, bare = results["POST /api/v1/checkins"], results["bare check-in insert"]
    met = bare["rps"] and ours["rps"] / bare["rps"] >= 0.5
    print(
        f"\ncheck-in POST / bare insert: {ratio(ours, bare)} (budget >= 0.50) "
        f"{'MET' if met else 'NOT MET'}"
    )
    print(
        f"check-in POST p99 at {args.connections} connections: {ours['p99_ms']:.1f} ms "
        f"(budget < 100) {'MET' if ours['p99_ms'] < 100 else 'NOT MET'}"
    )
    # Little's law: every connection always has a request in flight, so the
    # mean latency is connections / throughput; a p99 under the budget needs
    # at least the throughput that makes the *mean* equal to it.
    needed = args.connections / 0.100

    def mean_ms(figures: dict) -> str:
        return f"{1000 * args.connections / figures['rps']:.0f}" if figures["rps"] else "n/a"

    print(
        f"  {args.connections} busy connections: mean latency = {args.connections} / "
        f"{ours['rps']:.0f} req/s = {mean_ms(ours)} ms; "
        f"p99 < 100 ms needs more than {needed:.0f} req/s "
        f"(the bare insert did {bare['rps']:.0f}, "
        f"mean {mean_ms(bare)} ms, p99 {bare['p99_ms']:.0f} ms)"
    )
    if low:
        ours_low, bare_low = (
            results[f"POST /api/v1/checkins @{low}"],
            results[f"bare check-in insert @{low}"],
        )
        print(
            f"  at {low} connections: ours {ours_low['rps']:.0f} req/s, p99 "
            f"{ours_low['p99_ms']:.1f} ms; bare {bare_low['rps']:.0f} req/s, p99 "
            f"{bare_low['p99_ms']:.1f} ms; ratio {ratio(ours_low, bare_low)}"
        )
    pairs = (
        ("check-in list / bare 30-row read", "GET /api/v1/checkins", "bare read 30 rows"),
        ("caseload / bare caseload reads", "GET /api/v1/patients", "bare caseload reads"),
        ("brief / bare brief reads", "GET .../brief", "bare brief reads"),
    )
    for label, ours_name, bare_name in pairs:
        print(f"{label}: {ratio(results[ours_name], results[bare_name])}")
    print(f"hello-world ceiling: {results['hello-world JSON']['rps']:.0f} req/s")


if __name__ == "__main__":
    main()
