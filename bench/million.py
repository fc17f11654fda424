"""A million check-ins: do the app's queries stay on their indexes in a clinic network?

Builds two PostgreSQL databases with the app's own migrations and fills them
with bulk SQL (INSERT … SELECT generate_series; journal entries by COPY,
each body really encrypted for its row):

- the network (`--patients`, default 3,000 patients x `--days` 365 ≈ 1.1
  million check-ins, with journal entries, weekly PHQ-9/GAD-7, sessions,
  flags, read marks, audit events and a year of sent push reminders in
  proportion), spread over clinics and therapists;
- the reference: the same generator with 200 patients (the scale of
  bench/readside_bench.py and of SPEC 10's read-side budget).

In both, the measured therapist has the same 200-patient caseload, so what
differs is only how much data surrounds it. The script then calls the
endpoints therapists, admins and patients use through the Flask test client
(and the push worker's claim), captures every SQL statement they run
(`before_cursor_execute`), runs `EXPLAIN (ANALYZE, BUFFERS)` on each with its
real parameters, and fails (exit 1) if a plan reads a big table (≥ 10,000
rows) with a Seq Scan. Finally it times each endpoint on both databases,
alternating, and fails if a median in the network is over 2 x the
reference's.

    .venv/bin/python bench/million.py                    # the full size, a few minutes
    .venv/bin/python bench/million.py --patients 300     # scaled down
    .venv/bin/python bench/million.py --propose          # also try the proposed indexes

`--propose` creates, in the bench database only and marked "proposed", the
indexes this script suggests, and shows the plans after. Databases:
`<url>/between_million` and `<url>/between_million_ref`, dropped and
created, and dropped again at the end unless `--keep` (1.5 GB at full size).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["BETWEEN_ENV"] = "testing"
os.environ.setdefault("BETWEEN_INSTANCE_PATH", tempfile.mkdtemp(prefix="between-million-"))

from sqlalchemy import create_engine, event, insert, make_url, text

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432"
FOCUS_PATIENTS = 200
PATIENTS_PER_THERAPIST = 25
THERAPISTS_PER_CLINIC = 10
BIG_TABLE_ROWS = 10_000
RATIO_BUDGET = 2.0

#: Indexes this script proposes (see the report); created only with --propose,
#: only in the bench database, and named so. (name, table, definition)
#: Empty: the last one, flags (source_type, source_id), is migration 0004.
PROPOSED: list[tuple[str, str, str]] = []
#: Tables filled in bulk: their secondary indexes, unique and foreign keys are
#: dropped for the load and put back after, from the catalog's own definitions.
LOADED = (
    "checkins",
    "journal_entries",
    "measure_responses",
    "ketamine_sessions",
    "integration_sessions",
    "flags",
    "login_sessions",
    "deleted_items",
    "prompt_assignments",
    "measure_plans",
    "read_marks",
    "audit_events",
    "push_subscriptions",
    "notifications",
)


def fresh_database(base_url: str, name: str) -> str:
    url = make_url(base_url).set(drivername="postgresql+psycopg")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(base_url: str, name: str) -> None:
    url = make_url(base_url).set(drivername="postgresql+psycopg")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# --- generation -------------------------------------------------------------------


def network_shape(patients: int) -> list[tuple[int, int]]:
    """(clinic number, therapist number) of each patient; therapist 0 has the focus caseload."""
    shape = []
    for n in range(patients):
        if n < FOCUS_PATIENTS:
            shape.append((0, 0))
        else:
            therapist = 1 + (n - FOCUS_PATIENTS) // PATIENTS_PER_THERAPIST
            shape.append((therapist // THERAPISTS_PER_CLINIC, therapist))
    return shape


def answer_pool(size: int = 50) -> list[dict]:
    """Questionnaire answers scored by the app's own scoring (item 9 always 0)."""
    import random

    from server.measures import scoring

    rng = random.Random(11)
    pool = []
    for instrument in ("phq9", "gad7"):
        for k in range(size):
            answers = [rng.randint(0, 2) for _ in range(scoring.item_count(instrument))]
            if instrument == "phq9":
                answers[8] = 0
            scored = scoring.score(instrument, answers)
            pool.append(
                {
                    "instrument": instrument,
                    "k": k,
                    "answers": json.dumps(answers),
                    "total": scored.total,
                    "severity": scored.severity,
                    "subscores": None if scored.subscores is None else json.dumps(scored.subscores),
                }
            )
    return pool


GENERATE_SQL = [
    # Check-ins: one a day each, in the afternoon or evening, 85 % shared.
    (
        "checkins",
        """
        INSERT INTO checkins (id, patient_id, recorded_at, recorded_offset_minutes, mood,
            anxiety, energy, sleep_quality, emotions, note_ciphertext, shared,
            discuss_next_session, version, created_at, updated_at)
        SELECT gen_random_uuid(), p.id, t.at, p.offset_minutes, (random() * 10)::int,
            (random() * 10)::int, (random() * 10)::int, (random() * 10)::int,
            (ARRAY['["calm"]', '["tired", "sad"]', '["hopeful", "open"]'])[1 + (d + p.n) % 3]::json,
            NULL, random() < 0.85, random() < 0.05, 1, t.at, t.at
        FROM gen_patients p
        CROSS JOIN generate_series(0, :days - 1) AS d
        CROSS JOIN LATERAL (SELECT CAST(:start AS timestamptz) + d * interval '1 day'
            + (12 + (d * 7 + p.n * 13) % 12) * interval '1 hour' AS at) AS t
        """,
    ),
    (
        "measure_responses",
        """
        INSERT INTO measure_responses (id, patient_id, instrument, answers, completed_at, total,
            severity, subscores, shared, discuss_next_session, version, request_digest,
            created_at)
        SELECT gen_random_uuid(), p.id, a.instrument, a.answers, t.at, a.total, a.severity,
            a.subscores, random() < 0.9, false, 1, repeat('0', 64), t.at
        FROM gen_patients p
        CROSS JOIN generate_series(0, :days - 1, 7) AS d
        CROSS JOIN (VALUES ('phq9'), ('gad7')) AS i(instrument)
        JOIN gen_answers a ON a.instrument = i.instrument AND a.k = (d * 31 + p.n * 17) % 50
        CROSS JOIN LATERAL (SELECT CAST(:start AS timestamptz) + d * interval '1 day'
            + interval '19 hours' AS at) AS t
        """,
    ),
    (
        "ketamine_sessions",
        """
        INSERT INTO ketamine_sessions (id, patient_id, scheduled_at, route, setting, status,
            version, created_by_id, created_at, updated_at)
        SELECT gen_random_uuid(), p.id,
            CAST(:start AS timestamptz) + d * interval '1 day' + interval '14 hours',
            'im', 'clinic', 'completed', 1, p.therapist_id, :start, :start
        FROM gen_patients p CROSS JOIN generate_series(3, :days - 1, 28) AS d
        UNION ALL
        SELECT gen_random_uuid(), p.id, CAST(:now AS timestamptz) + ahead * interval '1 day',
            'iv', 'clinic', 'scheduled', 1, p.therapist_id, :start, :start
        FROM gen_patients p CROSS JOIN (VALUES (3), (10)) AS a(ahead)
        """,
    ),
    (
        "integration_sessions",
        """
        INSERT INTO integration_sessions (id, patient_id, therapist_id, scheduled_at,
            duration_minutes, status, version, created_at, updated_at)
        SELECT gen_random_uuid(), p.id, p.therapist_id,
            CAST(:start AS timestamptz) + d * interval '1 day' + interval '15 hours',
            50, 'completed', 1, :start, :start
        FROM gen_patients p CROSS JOIN generate_series(5, :days - 1, 7) AS d
        UNION ALL
        SELECT gen_random_uuid(), p.id, p.therapist_id,
            CAST(:now AS timestamptz) + interval '4 days', 50, 'scheduled', 1, :start, :start
        FROM gen_patients p
        """,
    ),
    # Flags from their sources, as the flags feature raises them: a severe
    # PHQ-9 about every eight weeks, a mood drop about every two months; those
    # older than 30 days acknowledged.
    (
        "flags",
        """
        INSERT INTO flags (id, clinic_id, patient_id, kind, severity, source_type, source_id,
            dedupe_key, raised_at, acknowledged_at, acknowledged_by_id)
        SELECT gen_random_uuid(), p.clinic_id, p.id, f.kind, 'warning', f.source_type,
            f.source_id, f.kind || ':' || f.source_id, f.at,
            CASE WHEN f.at < CAST(:now AS timestamptz) - interval '30 days'
                THEN f.at + interval '1 day' END,
            CASE WHEN f.at < CAST(:now AS timestamptz) - interval '30 days'
                THEN p.therapist_id END
        FROM (
            SELECT 'phq9_severe' AS kind, 'measure_response' AS source_type, m.id AS source_id,
                m.patient_id, m.completed_at AS at
            FROM measure_responses m JOIN gen_patients g ON g.id = m.patient_id
            WHERE m.instrument = 'phq9'
                AND (g.n + CAST(extract(epoch FROM m.completed_at) AS bigint) / 604800) % 8 = 0
            UNION ALL
            SELECT 'mood_drop', 'checkin', c.id, c.patient_id, c.recorded_at
            FROM checkins c JOIN gen_patients g ON g.id = c.patient_id
            WHERE (g.n + CAST(extract(epoch FROM c.recorded_at) AS bigint) / 86400) % 60 = 0
        ) AS f JOIN gen_patients p ON p.id = f.patient_id
        """,
    ),
    # A sign-in a week for each patient, a day for each therapist; rows stay.
    (
        "login_sessions",
        """
        INSERT INTO login_sessions (id, user_id, revoked_at, created_at)
        SELECT gen_random_uuid(), p.id,
            CASE WHEN d < :days - 7 THEN t.at + interval '30 minutes' END, t.at
        FROM gen_patients p CROSS JOIN generate_series(p.n % 7, :days - 1, 7) AS d
        CROSS JOIN LATERAL (SELECT CAST(:start AS timestamptz) + d * interval '1 day'
            + interval '20 hours' AS at) AS t
        UNION ALL
        SELECT gen_random_uuid(), t.therapist_id, CAST(:start AS timestamptz)
            + d * interval '1 day' + interval '18 hours',
            CAST(:start AS timestamptz) + d * interval '1 day' + interval '9 hours'
        FROM (SELECT DISTINCT therapist_id FROM gen_patients) AS t
        CROSS JOIN generate_series(0, :days - 1) AS d
        """,
    ),
    # Tombstones: about one deleted check-in a month each.
    (
        "deleted_items",
        """
        INSERT INTO deleted_items (id, kind, patient_id, deleted_at)
        SELECT gen_random_uuid(), 'checkin', p.id,
            CAST(:start AS timestamptz) + d * interval '1 day'
        FROM gen_patients p CROSS JOIN generate_series(p.n % 30, :days - 1, 30) AS d
        """,
    ),
    (
        "prompt_assignments",
        """
        INSERT INTO prompt_assignments (id, patient_id, prompt_id, assigned_by_id, due_at,
            created_at)
        SELECT gen_random_uuid(), p.id, pr.id, p.therapist_id,
            CAST(:start AS timestamptz) + d * interval '1 day', :start
        FROM gen_patients p CROSS JOIN generate_series(10, :days - 1, 60) AS d
        CROSS JOIN LATERAL (SELECT id FROM prompts WHERE clinic_id = p.clinic_id
            ORDER BY id OFFSET (d + p.n) % 5 LIMIT 1) AS pr
        """,
    ),
    (
        "measure_plans",
        """
        INSERT INTO measure_plans (patient_id, phq9, gad7, pcl5, updated_at, updated_by_id)
        SELECT id, true, true, n % 5 = 0, :start, therapist_id FROM gen_patients
        """,
    ),
    # The therapist has read shared items older than ten days.
    (
        "read_marks",
        """
        INSERT INTO read_marks (therapist_id, item_type, item_id, patient_id, read_at)
        SELECT p.therapist_id, 'checkin', c.id, c.patient_id, c.recorded_at + interval '2 days'
        FROM checkins c JOIN gen_patients p ON p.id = c.patient_id
        WHERE c.shared AND c.recorded_at < CAST(:now AS timestamptz) - interval '10 days'
        UNION ALL
        SELECT p.therapist_id, 'entry', e.id, e.patient_id, e.written_at + interval '2 days'
        FROM journal_entries e JOIN gen_patients p ON p.id = e.patient_id
        WHERE e.shared AND e.written_at < CAST(:now AS timestamptz) - interval '10 days'
        UNION ALL
        SELECT p.therapist_id, 'measure_response', m.id, m.patient_id,
            m.completed_at + interval '2 days'
        FROM measure_responses m JOIN gen_patients p ON p.id = m.patient_id
        WHERE m.shared AND m.completed_at < CAST(:now AS timestamptz) - interval '10 days'
        """,
    ),
    # Audit: every week the therapist reads the timeline and the brief, the
    # patient signs in; every day each therapist reads the caseload.
    (
        "audit_events",
        """
        INSERT INTO audit_events (id, clinic_id, at, actor_id, actor_role, action, patient_id,
            object_type, object_id, ip_address, user_agent)
        SELECT gen_random_uuid(), p.clinic_id,
            CAST(:start AS timestamptz) + d * interval '1 day' + a.minutes * interval '1 minute',
            CASE WHEN a.action = 'login' THEN p.id ELSE p.therapist_id END,
            CASE WHEN a.action = 'login' THEN 'patient' ELSE 'therapist' END,
            a.action, CASE WHEN a.action = 'login' THEN NULL ELSE p.id END,
            NULL, NULL::uuid, '203.0.113.7', 'Mozilla/5.0'
        FROM gen_patients p CROSS JOIN generate_series(p.n % 7, :days - 1, 7) AS d
        CROSS JOIN (VALUES ('timeline_read', 600), ('brief_read', 601), ('login', 1200))
            AS a(action, minutes)
        UNION ALL
        SELECT gen_random_uuid(), t.clinic_id,
            CAST(:start AS timestamptz) + d * interval '1 day' + interval '9 hours',
            t.therapist_id, 'therapist', 'caseload_read', NULL::uuid, NULL, NULL::uuid,
            '203.0.113.7', 'Mozilla/5.0'
        FROM (SELECT DISTINCT therapist_id, clinic_id FROM gen_patients) AS t
        CROSS JOIN generate_series(0, :days - 1) AS d
        """,
    ),
    (
        "push_subscriptions",
        """
        INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, refreshed_at,
            created_at)
        SELECT gen_random_uuid(), p.id, 'https://push.example.net/million/' || p.id,
            'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
            'tBHItJI5svbpez7KI4CCXg', :start, :start
        FROM gen_patients p
        """,
    ),
    # A year of daily check-in reminders, sent, and tomorrow's, pending.
    (
        "notifications",
        """
        INSERT INTO notifications (id, user_id, subscription_id, kind, cause_type, cause_id,
            due_at, state, attempts, next_attempt_at, sent_at, topic, urgency, ttl, dedupe_key,
            created_at)
        SELECT gen_random_uuid(), s.user_id, s.id, 'checkin_reminder', NULL, NULL, t.at,
            CASE WHEN d < :days THEN 'sent' ELSE 'pending' END,
            CASE WHEN d < :days THEN 1 ELSE 0 END,
            CASE WHEN d < :days THEN NULL ELSE t.at END,
            CASE WHEN d < :days THEN t.at + interval '1 second' END,
            substr(md5(s.id::text || d), 1, 22), 'normal', 43200,
            'checkin:' || s.user_id || ':' || d || '@' || s.id, t.at - interval '1 day'
        FROM push_subscriptions s CROSS JOIN generate_series(0, :days) AS d
        CROSS JOIN LATERAL (SELECT CAST(:start AS timestamptz) + d * interval '1 day'
            + interval '1 day 18 hours' AS at) AS t
        """,
    ),
]


SCHEMA_SNAPSHOT = """
    SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL
    SELECT 'constraint', conname, conrelid::regclass::text || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    ORDER BY 1, 2
"""


def defer_indexes(connection) -> list[str]:
    """Drop what slows a bulk load on the LOADED tables; the statements that restore it.

    Primary keys stay. Foreign keys and unique constraints are dropped and
    re-added (which validates every row), secondary indexes rebuilt: the
    schema after the load is the migrations' own, checked by the caller.
    """
    tables = list(LOADED)
    constraints = connection.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype"
            " FROM pg_constraint WHERE contype IN ('f', 'u')"
            " AND conrelid::regclass::text = ANY(:tables) ORDER BY contype DESC"
        ),
        {"tables": tables},
    ).all()
    indexes = connection.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
            " AND tablename = ANY(:tables)"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        ),
        {"tables": tables},
    ).all()
    for table, name, _definition, _type in constraints:  # foreign keys first
        connection.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _definition in indexes:
        connection.execute(text(f'DROP INDEX "{name}"'))
    restore = [definition for _name, definition in indexes]
    restore += [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition, _type in reversed(constraints)  # unique keys first
    ]
    return restore


def generate(db, patients: int, days: int, now: datetime) -> dict:
    """Fill the database; returns row counts per table."""
    from server.auth.models import CareTeamMember, User
    from server.clinics.models import Clinic
    from server.crypto import keyring, row_context
    from server.journal.prompts import ensure_clinic_library
    from tests import factories

    start = now - timedelta(days=days)
    shape = network_shape(patients)
    clinic_count = max(c for c, _ in shape) + 1
    therapist_count = max(t for _, t in shape) + 1
    clinics = [
        {"id": uuid.uuid4(), "name": f"Million clinic {c}", "created_at": start}
        for c in range(clinic_count)
    ]
    db.session.execute(insert(Clinic.__table__), clinics)
    db.session.commit()
    focus_clinic = db.session.get(Clinic, clinics[0]["id"])
    focus = factories.user(focus_clinic, "therapist", email="million.therapist@example.test")
    admin = factories.user(focus_clinic, "admin", email="million.admin@example.test")
    therapists = [focus.id] + [uuid.uuid4() for _ in range(therapist_count - 1)]
    password_hash = factories.password_hash()
    others = [
        {
            "id": therapists[t],
            "clinic_id": clinics[t // THERAPISTS_PER_CLINIC]["id"],
            "role": "therapist",
            "email": f"million.therapist{t}@example.test",
            "display_name": f"Therapist {t}",
            "password_hash": password_hash,
            "time_zone": "America/New_York",
            "created_at": start,
        }
        for t in range(1, therapist_count)
    ]
    if others:
        db.session.execute(insert(User.__table__), others)
    zones = [("America/New_York", -300), ("America/Chicago", -360), ("Europe/Berlin", 60)]
    rows, gen = [], []
    for n, (c, t) in enumerate(shape):
        zone, offset = zones[n % 3]
        patient_id = uuid.uuid4()
        rows.append(
            {
                "id": patient_id,
                "clinic_id": clinics[c]["id"],
                "role": "patient",
                "email": f"million.patient{n}@example.test",
                "display_name": f"Patient {n:05d}",
                "password_hash": password_hash,
                "time_zone": zone,
                "created_at": start,
            }
        )
        gen.append((n, patient_id, therapists[t], clinics[c]["id"], offset))
    for first in range(0, len(rows), 5000):
        db.session.execute(insert(User.__table__), rows[first : first + 5000])
        db.session.execute(
            insert(CareTeamMember.__table__),
            [
                {"patient_id": g[1], "therapist_id": g[2], "added_at": start}
                for g in gen[first : first + 5000]
            ],
        )
    for clinic in clinics:
        ensure_clinic_library(clinic["id"])
    db.session.commit()

    connection = db.session.connection()
    schema_before = connection.execute(text(SCHEMA_SNAPSHOT)).all()
    connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    restore = defer_indexes(connection)
    connection.execute(
        text(
            "CREATE TEMP TABLE gen_patients (n int, id uuid, therapist_id uuid, clinic_id uuid,"
            " offset_minutes int)"
        )
    )
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy("COPY gen_patients FROM STDIN") as copy:
        for row in gen:
            copy.write_row(row)
    connection.execute(
        text(
            "CREATE TEMP TABLE gen_answers (instrument text, k int, answers json, total int,"
            " severity text, subscores json)"
        )
    )
    connection.execute(
        text(
            "INSERT INTO gen_answers VALUES (:instrument, :k, CAST(:answers AS json), :total,"
            " :severity, CAST(:subscores AS json))"
        ),
        answer_pool(),
    )
    connection.execute(text("ANALYZE gen_patients"))
    params = {"days": days, "start": start, "now": now}
    timings = {}
    for name, sql in GENERATE_SQL[:3]:
        began = time.perf_counter()
        connection.execute(text(sql), params)
        timings[name] = time.perf_counter() - began
    # Journal entries every third day, each body encrypted for its own row.
    began = time.perf_counter()
    ring = keyring()
    prompts = {}
    for clinic_id, prompt_id in db.session.execute(
        text("SELECT clinic_id, id FROM prompts ORDER BY id")
    ):
        prompts.setdefault(clinic_id, []).append(prompt_id)
    body = "A longer reflection about the week, the music and my family. " * 4
    columns = (
        "id, patient_id, written_at, written_offset_minutes, body_ciphertext, prompt_id,"
        " shared, discuss_next_session, version, created_at, updated_at"
    )
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY journal_entries ({columns}) FROM STDIN") as copy,
    ):
        for n, patient_id, _therapist, clinic_id, offset in gen:
            library = prompts[clinic_id]
            for d in range(n % 3, days, 3):
                entry_id = uuid.uuid4()
                at = start + timedelta(days=d, hours=21)
                copy.write_row(
                    (
                        entry_id,
                        patient_id,
                        at,
                        offset,
                        ring.encrypt(body, row_context("journal_entries", "body", entry_id)),
                        library[d % len(library)] if d % 2 else None,
                        (d + n) % 5 != 0,
                        d % 10 == 0,
                        1,
                        at,
                        at,
                    )
                )
    timings["journal_entries"] = time.perf_counter() - began
    for name, sql in GENERATE_SQL[3:]:
        began = time.perf_counter()
        connection.execute(text(sql), params)
        timings[name] = time.perf_counter() - began
    began = time.perf_counter()
    for statement in restore:
        connection.execute(text(statement))
    timings["indexes and keys"] = time.perf_counter() - began
    assert connection.execute(text(SCHEMA_SNAPSHOT)).all() == schema_before
    db.session.commit()
    began = time.perf_counter()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    timings["ANALYZE"] = time.perf_counter() - began
    counts = dict(
        db.session.execute(
            text(
                "SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE n_live_tup > 0"
                " ORDER BY n_live_tup DESC"
            )
        ).all()
    )
    db.session.commit()
    return {
        "counts": counts,
        "timings": timings,
        "therapist": focus,
        "admin": admin,
        "patient_email": f"million.patient{FOCUS_PATIENTS // 2 if patients > 1 else 0}"
        "@example.test",
    }


# --- the database of one side: app, signed-in clients, endpoints -----------------


class Side:
    """One database (the network or the reference), its app and its signed-in clients."""

    def __init__(self, label: str, url: str, patients: int, days: int, now: datetime):
        from flask_migrate import upgrade

        from server import create_app
        from server.extensions import db

        self.label = label
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        with self.app.app_context():
            upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
            began = time.perf_counter()
            self.generated = generate(db, patients, days, now)
            self.seconds = time.perf_counter() - began
            self.engine = db.engine
            self.big_tables = {
                name for name, count in self.generated["counts"].items() if count >= BIG_TABLE_ROWS
            }
        self.now = now
        self.days = days

    def sign_in(self) -> None:
        from sqlalchemy import select

        from server.auth.models import User
        from server.extensions import db
        from tests import factories

        with self.app.app_context():
            staff = {
                "therapist": db.session.get(User, self.generated["therapist"].id),
                "admin": db.session.get(User, self.generated["admin"].id),
            }
            codes = {role: factories.totp_code(user) for role, user in staff.items()}
            emails = {role: user.email for role, user in staff.items()}
            patient = db.session.scalar(
                select(User).where(User.email == self.generated["patient_email"])
            )
            self.patient_id = patient.id
            self.checkin_id = db.session.scalar(
                text(
                    "SELECT id FROM checkins WHERE patient_id = :p AND shared"
                    " ORDER BY recorded_at DESC LIMIT 1"
                ),
                {"p": patient.id},
            )
            db.session.commit()
        self.clients = {}
        for role in ("therapist", "admin"):
            self.clients[role] = self._login(emails[role], codes[role])
        self.clients["patient"] = self._login(self.generated["patient_email"], None)

    def _login(self, email: str, code: str | None):
        client = self.app.test_client()
        client.environ_base["HTTP_ORIGIN"] = "http://localhost"
        from tests.factories import PASSWORD

        body = {"email": email, "password": PASSWORD}
        if code:
            body["totp"] = code
        answer = client.post("/api/v1/auth/login", json=body)
        assert answer.status_code == 200, answer.get_json()
        client.environ_base["HTTP_X_CSRF_TOKEN"] = answer.get_json()["csrf_token"]
        return client

    def endpoints(self) -> dict:
        """name -> (role, method, url, body factory); the same on both sides."""
        p = self.patient_id
        year = (self.now - timedelta(days=self.days + 1)).isoformat().replace("+00:00", "Z")

        def checkin():
            return {
                "id": str(uuid.uuid4()),
                "recorded_at": datetime.now(UTC).isoformat(),
                "mood": 6,
                "anxiety": 3,
                "note": "a quiet morning",
            }

        return {
            "therapist: caseload (200 patients)": ("therapist", "GET", "/api/v1/patients", None),
            "therapist: timeline (window)": (
                "therapist",
                "GET",
                f"/api/v1/patients/{p}/timeline",
                None,
            ),
            "therapist: timeline (a year, page)": (
                "therapist",
                "GET",
                f"/api/v1/patients/{p}/timeline?since={year}",
                None,
            ),
            "therapist: brief": ("therapist", "GET", f"/api/v1/patients/{p}/brief", None),
            "therapist: flags": ("therapist", "GET", "/api/v1/flags", None),
            "therapist: dosing sessions": (
                "therapist",
                "GET",
                f"/api/v1/patients/{p}/ketamine-sessions",
                None,
            ),
            "therapist: mark read": (
                "therapist",
                "POST",
                f"/api/v1/checkins/{self.checkin_id}/read",
                None,
            ),
            "admin: audit log": ("admin", "GET", "/api/v1/audit", None),
            "admin: audit log of a patient": (
                "admin",
                "GET",
                f"/api/v1/audit?patient_id={p}",
                None,
            ),
            "patient: check-ins": ("patient", "GET", "/api/v1/checkins", None),
            "patient: entries": ("patient", "GET", "/api/v1/entries", None),
            "patient: due prompts": ("patient", "GET", "/api/v1/prompts/due", None),
            "patient: due measures": ("patient", "GET", "/api/v1/measures/due", None),
            "patient: measure responses": ("patient", "GET", "/api/v1/measures/responses", None),
            "patient: phase": ("patient", "GET", "/api/v1/me/phase", None),
            "patient: new check-in": ("patient", "POST", "/api/v1/checkins", checkin),
            "worker: claim due + next due": ("worker", None, None, None),
        }

    def call(self, spec) -> None:
        role, method, url, body = spec
        if role == "worker":
            from server.push import dispatch, worker
            from server.push.delivery import PushSender
            from server.push.egress import LOOPBACK

            with (
                self.app.app_context(),
                PushSender(
                    self.app.config["VAPID_PRIVATE_KEY"],
                    self.app.config["VAPID_SUBJECT"],
                    policy=LOOPBACK,
                ) as sender,
            ):
                report = dispatch.deliver_due(sender)
                worker.seconds_until_next_due(datetime.now(UTC))
                assert report.claimed == 0  # nothing is due: only the queries are measured
            return
        client = self.clients[role]
        if method == "GET":
            answer = client.get(url)
        else:
            answer = client.post(url, json=body() if body else None)
        assert answer.status_code < 300, (url, answer.status_code, answer.get_json())

    def capture(self, spec) -> list[tuple[str, dict]]:
        """The statements one call runs, with their parameters."""
        seen = []

        def listener(_conn, _cursor, statement, parameters, _context, executemany):
            if not executemany:
                seen.append((statement, parameters))

        event.listen(self.engine, "before_cursor_execute", listener)
        try:
            self.call(spec)
        finally:
            event.remove(self.engine, "before_cursor_execute", listener)
        return seen

    def explain(self, statement: str, parameters, fmt: str = "JSON"):
        """EXPLAIN (ANALYZE, BUFFERS) in a transaction rolled back (writes are undone).

        An INSERT is only planned, not run: its row (same id) is already stored.
        """
        insert_ = statement.lstrip().upper().startswith("INSERT")
        options = f"FORMAT {fmt}" if insert_ else f"ANALYZE, BUFFERS, FORMAT {fmt}"
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(f"EXPLAIN ({options}) " + statement, parameters)
            rows = cursor.fetchall()
            raw.rollback()
        finally:
            raw.close()
        if fmt == "JSON":
            return rows[0][0][0]
        return "\n".join(row[0] for row in rows)


# --- plan checks ----------------------------------------------------------------------


def plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def summarise(plan: dict) -> str:
    """Execution time, buffers and the scans of one plan, in one line."""
    top = plan["Plan"]
    scans = []
    for node in plan_nodes(top):
        kind = node["Node Type"]
        if "Relation Name" in node:
            how = node.get("Index Name", "")
            scans.append(f"{kind} {node['Relation Name']}" + (f" ({how})" if how else ""))
            if node.get("Actual Loops") == 0:
                scans[-1] += " [never executed]"
    hit = top.get("Shared Hit Blocks", 0)
    read = top.get("Shared Read Blocks", 0)
    if "Execution Time" not in plan:
        return "(planned only)  " + ("; ".join(scans) or "no table")
    return f"{plan['Execution Time']:7.2f} ms  buffers hit={hit} read={read}  " + (
        "; ".join(scans) or "no table"
    )


def check_plans(side: Side, specs: dict, verbose: bool) -> list[dict]:
    """EXPLAIN every statement of every endpoint; the Seq Scans on big tables."""
    problems = []
    for name, spec in specs.items():
        for _ in range(2):  # warm caches and the app's own lazy set-up
            side.call(spec)
        statements = side.capture(spec)
        found = len(problems)
        print(f"{name}: {len(statements)} statements", end="\n" if verbose else "")
        for number, (statement, parameters) in enumerate(statements, 1):
            head = statement.lstrip().split(None, 1)[0].upper()
            if head not in ("SELECT", "WITH", "UPDATE", "INSERT", "DELETE"):
                continue
            plan = side.explain(statement, parameters)
            line = summarise(plan)
            bad = [
                node["Relation Name"]
                for node in plan_nodes(plan["Plan"])
                if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in side.big_tables
            ]
            if verbose or bad:
                print(f"\n  [{number}] {line}" if not verbose else f"  [{number}] {line}")
            if bad:
                print(f"      SEQ SCAN ON A BIG TABLE: {', '.join(sorted(set(bad)))}")
                problems.append(
                    {
                        "endpoint": name,
                        "statement": statement,
                        "parameters": parameters,
                        "tables": sorted(set(bad)),
                        "plan": side.explain(statement, parameters, fmt="TEXT"),
                    }
                )
        if not verbose:
            print(": no Seq Scan on a big table" if len(problems) == found else "")
    return problems


# --- timing ----------------------------------------------------------------------------


def time_endpoints(sides: list, names: list, runs: int, rounds: int) -> dict:
    """Medians in ms per side and endpoint; sides alternate, `rounds` times."""
    samples = {side.label: {name: [] for name in names} for side in sides}
    for round_ in range(rounds):
        order = sides if round_ % 2 == 0 else list(reversed(sides))
        for name in names:
            for side in order:
                spec = side.endpoints()[name]
                for _ in range(runs):
                    began = time.perf_counter()
                    side.call(spec)
                    samples[side.label][name].append((time.perf_counter() - began) * 1000)
    return {
        label: {name: statistics.median(values) for name, values in by_name.items()}
        for label, by_name in samples.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="server URL, without a database")
    parser.add_argument("--patients", type=int, default=3000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=10, help="calls per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--verbose", action="store_true", help="every statement's plan summary")
    parser.add_argument("--propose", action="store_true", help="create the proposed indexes")
    parser.add_argument("--keep", action="store_true", help="keep both databases at the end")
    args = parser.parse_args()
    if args.patients < FOCUS_PATIENTS:
        sys.exit(f"--patients must be at least {FOCUS_PATIENTS} (the measured caseload)")

    now = datetime.now(UTC)
    names = {"network": "between_million", "reference": "between_million_ref"}
    sizes = {"network": args.patients, "reference": FOCUS_PATIENTS}
    sides = []
    try:
        for label in ("reference", "network"):
            url = fresh_database(args.url, names[label])
            side = Side(label, url, sizes[label], args.days, now)
            counts = side.generated["counts"]
            print(
                f"{label}: {sizes[label]} patients, generated in {side.seconds:.0f} s: "
                + ", ".join(f"{k} {v:,}" for k, v in counts.items() if v >= 1000)
            )
            print(
                "  seconds per step: "
                + ", ".join(f"{k} {v:.1f}" for k, v in side.generated["timings"].items())
            )
            side.sign_in()
            sides.append(side)
        network = sides[1]
        specs = network.endpoints()

        print(f"\n== plans in the network database (big tables: ≥ {BIG_TABLE_ROWS:,} rows) ==")
        problems = check_plans(network, specs, args.verbose)
        for problem in problems:
            print(f"\n-- {problem['endpoint']}: Seq Scan on {', '.join(problem['tables'])}")
            print(problem["statement"])
            print(problem["plan"])
        if args.propose and PROPOSED:
            print("\n== PROPOSED indexes (created in the bench database only, not a migration) ==")
            with network.engine.begin() as connection:
                for index_name, table, definition in PROPOSED:
                    print(f"proposed: CREATE INDEX {index_name} ON {table} {definition}")
                    connection.execute(text(f"CREATE INDEX {index_name} ON {table} {definition}"))
                    connection.execute(text(f"ANALYZE {table}"))
            print("plans after the PROPOSED indexes:")
            after = check_plans(
                network, {p["endpoint"]: specs[p["endpoint"]] for p in problems}, True
            )
            for problem in after:
                print(problem["plan"])
            print("(the medians below are with the PROPOSED indexes)")

        print(f"\n== medians: {args.rounds} rounds x {args.runs} calls, sides alternating ==")
        medians = time_endpoints(sides, list(specs), args.runs, args.rounds)
        over = []
        network_label = f"{args.patients:,} patients"
        print(f"{'endpoint':38} {'200 patients':>13} {network_label:>16} {'ratio':>7}")
        for name in specs:
            ref, net = medians["reference"][name], medians["network"][name]
            ratio = net / ref
            flag = "" if ratio <= RATIO_BUDGET else "  OVER 2x"
            if flag:
                over.append(name)
            print(f"{name:38} {ref:10.1f} ms {net:13.1f} ms {ratio:6.2f}x{flag}")
        load = os.getloadavg()
        print(
            f"\nload average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; "
            f"{os.cpu_count()} CPUs; budget: network median within {RATIO_BUDGET:.0f}x"
            " the reference"
        )
        if problems:
            print(f"FAILED: {len(problems)} statement(s) with a Seq Scan on a big table")
        if over:
            print(f"FAILED: over the {RATIO_BUDGET:.0f}x budget: {', '.join(over)}")
        if not problems and not over:
            print("OK: no Seq Scan on a big table, every median within budget")
        return 1 if problems or over else 0
    finally:
        for side in sides:
            side.engine.dispose()
        if not args.keep:
            for name in names.values():
                drop_database(args.url, name)


if __name__ == "__main__":
    sys.exit(main())
