"""The therapist's read side on PostgreSQL: 200 patients, a year of daily data each.

SPEC 10: caseload, timeline and brief answer in a median under 50 ms, in a
fixed number of statements. This seeds a fresh database (bulk inserts, the
same encryption as the app), signs a therapist in and times each route
through the whole Flask stack (auth, query, serialisation, audit, commit),
in-process, so the figure is the server's own time without HTTP overhead.

    .venv/bin/python bench/readside_bench.py [--url postgresql://...] [--runs 40]

Default database: postgresql://postgres@127.0.0.1:5432/between_readside_bench
(created beforehand with `createdb`; its schema is dropped and rebuilt).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["BETWEEN_ENV"] = "testing"
os.environ.setdefault("BETWEEN_INSTANCE_PATH", tempfile.mkdtemp(prefix="between-bench-"))

from sqlalchemy import event, insert, text

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/between_readside_bench"
PATIENTS = 200
DAYS = 365
BUDGET_MS = 50.0
THERAPIST_EMAIL = "bench.therapist@example.test"


def seed(db, now: datetime) -> tuple:
    """One clinic, one therapist, PATIENTS patients with DAYS days of data; bulk inserts."""
    from server.auth.models import CareTeamMember, User
    from server.care.models import DosingSession, IntegrationSession
    from server.clinics.models import Clinic
    from server.crypto import keyring, row_context
    from server.flags.models import Flag
    from server.journal.models import CheckIn, JournalEntry, Prompt
    from server.measures import scoring
    from server.measures.models import MeasureResponse
    from server.readside.models import ReadMark
    from tests import factories

    rng = random.Random(7)
    ring = keyring()
    clinic = Clinic(id=uuid.uuid4(), name="Bench clinic")
    db.session.add(clinic)
    db.session.flush()
    therapist = factories.user(clinic, "therapist", email=THERAPIST_EMAIL)
    prompt = Prompt(
        id=uuid.uuid4(),
        clinic_id=clinic.id,
        text="What stayed with you?",
        phases=["integration"],
        theme="insight",
    )
    db.session.add(prompt)
    patients = [
        {
            "id": uuid.uuid4(),
            "clinic_id": clinic.id,
            "role": "patient",
            "email": f"bench.patient{n}@example.test",
            "display_name": f"Patient {n:03d}",
            "password_hash": factories.password_hash(),
            "time_zone": rng.choice(["America/New_York", "America/Chicago", "Europe/Berlin"]),
        }
        for n in range(PATIENTS)
    ]
    db.session.execute(insert(User.__table__), patients)
    db.session.execute(
        insert(CareTeamMember.__table__),
        [{"patient_id": p["id"], "therapist_id": therapist.id} for p in patients],
    )
    start = now - timedelta(days=DAYS)
    tables = {
        name: []
        for name in (
            "checkins",
            "entries",
            "responses",
            "ketamine",
            "integration",
            "flags",
            "reads",
        )
    }
    for patient in patients:
        pid = patient["id"]
        offset = -300
        for day in range(DAYS):
            at = start + timedelta(days=day, hours=rng.randint(12, 23))
            shared = rng.random() < 0.85
            row_id = uuid.uuid4()
            note = "Slept badly, calmer by the evening." if rng.random() < 0.3 else None
            tables["checkins"].append(
                {
                    "id": row_id,
                    "patient_id": pid,
                    "recorded_at": at,
                    "recorded_offset_minutes": offset,
                    "mood": rng.randint(0, 10),
                    "anxiety": rng.randint(0, 10),
                    "energy": rng.randint(0, 10),
                    "sleep_quality": rng.randint(0, 10),
                    "emotions": ["calm"],
                    "note_ciphertext": note
                    and ring.encrypt(note, row_context("checkins", "note", row_id)),
                    "shared": shared,
                    "discuss_next_session": rng.random() < 0.05,
                    "version": 1,
                    "created_at": at,
                    "updated_at": at,
                }
            )
            if shared and day < DAYS - 10:
                tables["reads"].append(("checkin", row_id, pid))
            if day % 3 == 0:
                entry_id = uuid.uuid4()
                body = "A longer reflection about the week, the music and my family. " * 4
                tables["entries"].append(
                    {
                        "id": entry_id,
                        "patient_id": pid,
                        "written_at": at + timedelta(minutes=30),
                        "written_offset_minutes": offset,
                        "body_ciphertext": ring.encrypt(
                            body, row_context("journal_entries", "body", entry_id)
                        ),
                        "prompt_id": prompt.id if day % 2 else None,
                        "shared": rng.random() < 0.8,
                        "discuss_next_session": rng.random() < 0.1,
                        "version": 1,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
            if day % 7 == 0:
                for instrument in ("phq9", "gad7"):
                    answers = [rng.randint(0, 2) for _ in range(scoring.item_count(instrument))]
                    if instrument == "phq9":
                        answers[8] = 0
                    scored = scoring.score(instrument, answers)
                    tables["responses"].append(
                        {
                            "id": uuid.uuid4(),
                            "patient_id": pid,
                            "instrument": instrument,
                            "answers": answers,
                            "completed_at": at + timedelta(minutes=45),
                            "total": scored.total,
                            "severity": scored.severity,
                            "subscores": None,
                            "shared": rng.random() < 0.9,
                            "discuss_next_session": False,
                            "version": 1,
                            "request_digest": "0" * 64,
                            "created_at": at,
                        }
                    )
            if day % 28 == 3:
                tables["ketamine"].append(
                    {
                        "id": uuid.uuid4(),
                        "patient_id": pid,
                        "scheduled_at": start + timedelta(days=day, hours=14),
                        "route": "im",
                        "setting": "clinic",
                        "status": "completed",
                        "version": 1,
                        "created_at": start,
                        "updated_at": start,
                    }
                )
            if day % 7 == 5:
                tables["integration"].append(
                    {
                        "id": uuid.uuid4(),
                        "patient_id": pid,
                        "therapist_id": therapist.id,
                        "scheduled_at": start + timedelta(days=day, hours=15),
                        "duration_minutes": 50,
                        "status": "completed",
                        "version": 1,
                        "created_at": start,
                        "updated_at": start,
                    }
                )
        for ahead in (3, 10):
            tables["ketamine"].append(
                {
                    "id": uuid.uuid4(),
                    "patient_id": pid,
                    "scheduled_at": now + timedelta(days=ahead),
                    "route": "iv",
                    "setting": "clinic",
                    "status": "scheduled",
                    "version": 1,
                    "created_at": start,
                    "updated_at": start,
                }
            )
        tables["integration"].append(
            {
                "id": uuid.uuid4(),
                "patient_id": pid,
                "therapist_id": therapist.id,
                "scheduled_at": now + timedelta(days=4),
                "duration_minutes": 50,
                "status": "scheduled",
                "version": 1,
                "created_at": start,
                "updated_at": start,
            }
        )
        for n in range(rng.randint(0, 3)):
            kind = "phq9_item9" if n == 0 and rng.random() < 0.2 else "phq9_severe"
            flag_id = uuid.uuid4()
            tables["flags"].append(
                {
                    "id": flag_id,
                    "clinic_id": clinic.id,
                    "patient_id": pid,
                    "kind": kind,
                    "severity": "urgent" if kind == "phq9_item9" else "warning",
                    "dedupe_key": f"bench:{flag_id}",
                    "raised_at": now - timedelta(days=n),
                }
            )
    models = {
        "checkins": CheckIn,
        "entries": JournalEntry,
        "responses": MeasureResponse,
        "ketamine": DosingSession,
        "integration": IntegrationSession,
        "flags": Flag,
    }
    for name, model in models.items():
        rows = tables[name]
        for first in range(0, len(rows), 5000):
            db.session.execute(insert(model.__table__), rows[first : first + 5000])
    reads = [
        {
            "therapist_id": therapist.id,
            "item_type": kind,
            "item_id": item_id,
            "patient_id": pid,
            "read_at": now,
        }
        for kind, item_id, pid in tables["reads"]
    ]
    for first in range(0, len(reads), 5000):
        db.session.execute(insert(ReadMark.__table__), reads[first : first + 5000])
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    counts = {name: len(rows) for name, rows in tables.items()}
    return therapist, [p["id"] for p in patients], counts


def stored(db) -> tuple:
    """The therapist and patients of an earlier run."""
    from sqlalchemy import select

    from server.auth.models import User

    therapist = db.session.scalar(select(User).where(User.email == THERAPIST_EMAIL))
    patient_ids = list(
        db.session.scalars(
            select(User.id).where(User.role == "patient").order_by(User.display_name)
        )
    )
    return therapist, patient_ids


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a local process (a PostgreSQL backend), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(client, engine, url: str, runs: int) -> dict:
    """Wall-clock median and p90 in ms, CPU ms per request, and the statements of one request.

    CPU time is the app's own (this process) plus its PostgreSQL backends'
    (read from /proc, so PostgreSQL must run on this machine): on a loaded
    machine wall time mostly measures waiting for a core, while the CPU
    time a request needs is what it would take on an idle one.
    """
    statements = []
    backends = set()

    def count(*_args):
        statements.append(1)

    def checkout(dbapi_connection, *_args):
        backends.add(dbapi_connection.info.backend_pid)

    event.listen(engine, "checkout", checkout)
    for _ in range(3):  # warm caches and the connection pool
        assert client.get(url).status_code == 200
    event.listen(engine, "before_cursor_execute", count)
    response = client.get(url)
    event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_json()
    local = Path("/proc").exists() and all(Path(f"/proc/{pid}").exists() for pid in backends)
    database_before = sum(_cpu_seconds(pid) for pid in backends) if local else 0.0
    app_before = time.process_time()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    app_cpu = (time.process_time() - app_before) * 1000 / runs
    database_cpu = (
        (sum(_cpu_seconds(pid) for pid in backends) - database_before) * 1000 / runs
        if local
        else float("nan")
    )
    event.remove(engine, "checkout", checkout)
    times.sort()
    return {
        "min": times[0],
        "median": statistics.median(times),
        "p90": times[int(len(times) * 0.9) - 1],
        "cpu": app_cpu + database_cpu,
        "app_cpu": app_cpu,
        "db_cpu": database_cpu,
        "statements": len(statements),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep the data of an earlier run (needs the same ENCRYPTION_KEYS in the environment).",
    )
    args = parser.parse_args()

    from sqlalchemy import make_url

    from server import create_app
    from server.extensions import db
    from tests import factories

    if not args.reuse and "bench" not in (make_url(args.url).database or ""):
        # Seeding drops the schema: never on a database not named for benchmarks.
        sys.exit("refusing to rebuild a database whose name does not contain 'bench'")

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "RATELIMIT_ENABLED": False})
    now = datetime.now(UTC)
    with app.app_context():
        if args.reuse:
            therapist, patient_ids = stored(db)
        else:
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            db.create_all()
            began = time.perf_counter()
            therapist, patient_ids, counts = seed(db, now)
            print(f"seeded in {time.perf_counter() - began:.0f} s: {counts}")
        email, code = therapist.email, factories.totp_code(therapist)
        engine = db.engine

    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    answer = client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": factories.PASSWORD, "totp": code},
    )
    assert answer.status_code == 200, answer.get_json()
    patient = patient_ids[len(patient_ids) // 2]
    routes = {
        "baseline: GET /auth/me": "/api/v1/auth/me",
        "caseload (200 patients)": "/api/v1/patients",
        "timeline (default window)": f"/api/v1/patients/{patient}/timeline",
        "timeline (a year, page of 50)": (
            f"/api/v1/patients/{patient}/timeline?since="
            + (now - timedelta(days=DAYS + 1)).isoformat().replace("+00:00", "Z")
        ),
        "brief": f"/api/v1/patients/{patient}/brief",
    }
    failed = False
    header = f"{'route':32} {'min':>8} {'median':>8} {'p90':>8} {'cpu':>8} {'(app':>7} {'+ db)':>7}"
    print(header + f" {'statements':>11}")
    for name, url in routes.items():
        m = measure(client, engine, url, args.runs)
        over = m["median"] >= BUDGET_MS and not name.startswith("baseline")
        failed |= over
        print(
            f"{name:32} {m['min']:6.1f}ms {m['median']:6.1f}ms {m['p90']:6.1f}ms {m['cpu']:6.1f}ms"
            f" {m['app_cpu']:6.1f} {m['db_cpu']:6.1f} {m['statements']:11d}"
            + ("  OVER BUDGET" if over else "")
        )
    load = os.getloadavg()[0]
    print(f"budget: median under {BUDGET_MS:.0f} ms (wall clock); load average {load:.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
