"""The Between app plus the thinnest endpoints doing the same database work.

Served by gunicorn in the benchmark, so our endpoints and their baselines
run in the same server and the same run; compare the ratios, not the times.
Never deployed: the bare endpoints skip auth, validation and audit on purpose.
"""

import os
import uuid
from datetime import UTC, datetime

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
