"""API throughput and latency under gunicorn on PostgreSQL, as ratios.

Starts gunicorn (sync workers) serving bench/app.py against a fresh
PostgreSQL database, then drives it with wrk from a second process on
loopback: each of our endpoints beside the thinnest endpoint doing the same
database work, in the same server and the same run.

    .venv/bin/python bench/api_bench.py [--seconds 10] [--connections 32]

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
    )
    env.pop("REDIS_URL", None)
    return env


def seed(env: dict) -> tuple[str, str]:
    """Migrate, then create a clinic, a therapist and a patient; return (patient id, token)."""
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    code = (
        "from server import create_app\n"
        "from server.extensions import db\n"
        "from server.clinics.services import create_clinic\n"
        "from server.auth import services\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    clinic = create_clinic('Bench clinic')\n"
        "    t = services.create_user(clinic_id=clinic.id, role='therapist',"
        " email='t@bench.test', password='bench therapist passphrase')\n"
        "    p = services.create_user(clinic_id=clinic.id, role='patient',"
        " email='p@bench.test', password='bench patient passphrase', therapist=t)\n"
        "    token, clear = services.issue_token(p, 'bench')\n"
        "    db.session.commit()\n"
        "    print(p.id, clear)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return out[-2], out[-1]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/between_bench"
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    database_url = fresh_database(args.database_url)
    env = bench_environment(database_url)
    patient_id, token = seed(env)
    env["BENCH_PATIENT_ID"] = patient_id
    auth = f'wrk.headers["Authorization"] = "Bearer {token}"'
    base = f"http://127.0.0.1:{args.port}"
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
        }
        results = {}
        for name, (url, script) in runs.items():
            results[name] = wrk(url, script, args.seconds, args.connections)
            print(f"{name}: {results[name]}", flush=True)
    finally:
        # SIGINT is gunicorn's quick shutdown; wrk's last keep-alive sockets
        # would hold a graceful one for its whole timeout.
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()

    print(
        f"\n{args.workers} gunicorn sync workers, {args.connections} connections, "
        f"{args.seconds}s each, PostgreSQL\n"
    )
    print(f"{'endpoint':<28}{'req/s':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, figures in results.items():
        print(
            f"{name:<28}{figures['rps']:>10.0f}{figures['p99_ms']:>10.1f}{figures['non_2xx']:>10}"
        )
    ours, bare = results["POST /api/v1/checkins"], results["bare check-in insert"]
    ratio = ours["rps"] / bare["rps"]
    print(
        f"\ncheck-in POST / bare insert: {ratio:.2f} (budget >= 0.50) "
        f"{'MET' if ratio >= 0.5 else 'NOT MET'}"
    )
    print(
        f"check-in POST p99: {ours['p99_ms']:.1f} ms (budget < 100) "
        f"{'MET' if ours['p99_ms'] < 100 else 'NOT MET'}"
    )
    read_ratio = results["GET /api/v1/checkins"]["rps"] / results["bare read 30 rows"]["rps"]
    print(f"check-in list / bare 30-row read: {read_ratio:.2f}")
    print(f"hello-world ceiling: {results['hello-world JSON']['rps']:.0f} req/s")


if __name__ == "__main__":
    main()
