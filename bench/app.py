"""The Between app plus the thinnest endpoints doing the same database work.

Served by gunicorn in the benchmark, so our endpoints and their baselines
run in the same server and the same run; compare the ratios, not the times.
Never deployed: the bare endpoints skip auth, validation and audit on purpose.
"""

import os
import uuid
from datetime import UTC, datetime, timedelta

from flask import jsonify, request
from sqlalchemy import insert, select

from server import create_app
from server.extensions import db

app = create_app()
BENCH_PATIENT_ID = uuid.UUID(os.environ["BENCH_PATIENT_ID"])


@app.get("/bench/hello")
def hello():
    """The ceiling: a JSON answer with no database work at all."""
    return jsonify(hello="world")


@app.post("/bench/bare-checkin")
def bare_checkin():
    """The same check-in row our endpoint stores, in one INSERT and a commit."""
    from server.crypto import keyring, row_context
    from server.journal.models import CheckIn

    body = request.get_json()
    row_id = uuid.UUID(body["id"])
    values = {
        "id": row_id,
        "patient_id": BENCH_PATIENT_ID,
        "recorded_at": datetime.fromisoformat(body["recorded_at"]).astimezone(UTC),
        "mood": body["mood"],
        "anxiety": body.get("anxiety"),
        "energy": body.get("energy"),
        "sleep_quality": body.get("sleep_quality"),
        "emotions": body.get("emotions", []),
        "shared": True,
        "discuss_next_session": False,
        "version": 1,
    }
    columns = CheckIn.__table__.c
    if "recorded_offset_minutes" in columns:
        values["recorded_offset_minutes"] = 0
    if body.get("note"):
        values["note_ciphertext"] = keyring().encrypt(
            body["note"], row_context("checkins", "note", row_id)
        )
    db.session.execute(insert(CheckIn.__table__).values(values))
    db.session.commit()
    return jsonify(id=str(row_id)), 201


@app.get("/bench/bare-read")
def bare_read():
    """Thirty rows by index: the floor under any list screen."""
    from server.journal.models import CheckIn

    rows = db.session.execute(
        select(CheckIn.id, CheckIn.recorded_at, CheckIn.mood)
        .where(CheckIn.patient_id == BENCH_PATIENT_ID)
        .order_by(CheckIn.recorded_at.desc())
        .limit(30)
    ).all()
    return jsonify(items=[{"id": str(r.id), "mood": r.mood} for r in rows])


BENCH_THERAPIST_ID = (
    uuid.UUID(os.environ["BENCH_THERAPIST_ID"]) if os.environ.get("BENCH_THERAPIST_ID") else None
)


@app.get("/bench/bare-caseload")
def bare_caseload():
    """The caseload's reads, thinnest: the care team with each latest shared check-in,
    then a fortnight of their shared moods; two SELECTs, no auth, no audit."""
    from sqlalchemy import func

    from server.auth.models import CareTeamMember, User
    from server.db import utcnow
    from server.journal.models import CheckIn

    latest = (
        select(func.max(CheckIn.recorded_at))
        .where(CheckIn.patient_id == User.id, CheckIn.shared.is_(True))
        .correlate(User)
        .scalar_subquery()
    )
    patients = db.session.execute(
        select(User.id, User.display_name, latest)
        .join(CareTeamMember, CareTeamMember.patient_id == User.id)
        .where(CareTeamMember.therapist_id == BENCH_THERAPIST_ID, User.role == "patient")
    ).all()
    since = utcnow() - timedelta(days=15)
    moods = db.session.execute(
        select(CheckIn.patient_id, CheckIn.recorded_at, CheckIn.mood).where(
            CheckIn.patient_id.in_([row.id for row in patients]),
            CheckIn.shared.is_(True),
            CheckIn.recorded_at >= since,
        )
    ).all()
    trend = {}
    for patient_id, _, mood in moods:
        trend.setdefault(patient_id, []).append(mood)
    return jsonify(
        items=[
            {
                "patient_id": str(row.id),
                "display_name": row.display_name,
                "last_checkin_at": row[2].isoformat() if row[2] else None,
                "moods": trend.get(row.id, []),
            }
            for row in patients
        ]
    )


@app.get("/bench/bare-brief")
def bare_brief():
    """The brief's reads, thinnest: a month of one patient's shared check-ins and
    entries, two SELECTs, the ciphertexts left closed; no auth, no audit."""
    from server.db import utcnow
    from server.journal.models import CheckIn, JournalEntry

    since = utcnow() - timedelta(days=30)
    checkins = db.session.execute(
        select(CheckIn.id, CheckIn.recorded_at, CheckIn.mood, CheckIn.note_ciphertext)
        .where(
            CheckIn.patient_id == BENCH_PATIENT_ID,
            CheckIn.shared.is_(True),
            CheckIn.recorded_at >= since,
        )
        .order_by(CheckIn.recorded_at.desc())
    ).all()
    entries = db.session.execute(
        select(JournalEntry.id, JournalEntry.written_at, JournalEntry.body_ciphertext)
        .where(
            JournalEntry.patient_id == BENCH_PATIENT_ID,
            JournalEntry.shared.is_(True),
            JournalEntry.written_at >= since,
        )
        .order_by(JournalEntry.written_at.desc())
    ).all()
    return jsonify(
        checkins=[
            {"id": str(r.id), "at": r.recorded_at.isoformat(), "mood": r.mood} for r in checkins
        ],
        entries=[{"id": str(r.id), "at": r.written_at.isoformat()} for r in entries],
    )
