"""Answering, editing and deleting measure responses; the measure plan.

Functions flush and never commit; the request boundary commits once.
Answers and totals never go into an error message or a log line.
"""

import hashlib
import json
from datetime import UTC

from server.audit.services import sharing_changed
from server.auth.models import User
from server.db import utcnow, versioned_edit
from server.errors import abort
from server.extensions import db
from server.fields import clamp_device_time, device_time_error
from server.items import bury, store_once
from server.measures import scoring
from server.measures.models import MeasurePlan, MeasureResponse, SeriesStart
from server.signals import item_created


def request_digest(instrument: str, data: dict) -> str:
    """A fingerprint of what a create request said, so a replay is recognised.

    Times are compared as instants (an offset change is the same answer);
    fields the client left out stay out, so a replay that also leaves them
    out matches.
    """
    completed_at = data.get("completed_at")
    canonical = {
        "instrument": instrument,
        "answers": data["answers"],
        "completed_at": completed_at.astimezone(UTC).isoformat() if completed_at else None,
        "shared": data.get("shared"),
        "discuss_next_session": data.get("discuss_next_session"),
    }
    # Only when given, so replays of responses stored before the item existed still match.
    if data.get("difficulty") is not None:
        canonical["difficulty"] = data["difficulty"]
    encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def _check_answers(instrument: str, data: dict) -> None:
    errors = scoring.answer_errors(instrument, data.get("answers"))
    errors |= scoring.difficulty_errors(instrument, data.get("difficulty"))
    completed_at = data.get("completed_at")
    if completed_at is not None and (message := device_time_error(completed_at)):
        errors["completed_at"] = [message]
    if errors:
        abort(422, "Some answers are missing or not valid; see errors.", errors=errors)


def create_response(patient: User, instrument: str, data: dict) -> tuple[MeasureResponse, bool]:
    """Store and score a response; returns `(response, created)`.

    Idempotent on the client's `id`: the same request again returns the
    stored response (created=False); the same id with a different body is a
    409, and after the patient deleted it a 410. Two identical requests
    racing each other store one row (`server.items.store_once`).

    A new response is announced with `signals.item_created`: the flags
    feature runs its rules (the PHQ-9 item-9 flag even when private).
    """
    _check_answers(instrument, data)
    digest = request_digest(instrument, data)
    scored = scoring.score(instrument, data["answers"])
    completed_at, device_time = clamp_device_time(data.get("completed_at") or utcnow())
    shared = data.get("shared")
    response = MeasureResponse(
        id=data["id"],
        patient_id=patient.id,
        instrument=instrument,
        answers=list(data["answers"]),
        # Kept as UTC so a replay answers exactly what the first request did.
        completed_at=completed_at.astimezone(UTC),
        device_time=device_time,
        total=scored.total,
        severity=scored.severity,
        subscores=scored.subscores,
        difficulty=data.get("difficulty"),
        shared=patient.share_by_default if shared is None else shared,
        discuss_next_session=bool(data.get("discuss_next_session")),
        request_digest=digest,
    )
    # A create replayed from an offline queue after the patient deleted the
    # response is 410, never a resurrection.
    stored, created = store_once(
        response, patient, lambda found: found.request_digest == digest, noun="response"
    )
    if not created:
        return stored, False
    item_created.send(response)
    return response, True


def update_response(response: MeasureResponse, data: dict, patient: User) -> MeasureResponse:
    """Change `shared` / `discuss_next_session`; `version` must be the stored one.

    A stale version is a 409 and nothing is written. A sharing change is
    audited and takes effect at once; sharing a response is announced with
    `signals.item_shared` (the flag rules that read shared responses run;
    each cause still flags once).
    """
    sharing_flips = "shared" in data and data["shared"] != response.shared
    with versioned_edit(response, data["version"], "This response"):
        for field in ("shared", "discuss_next_session"):
            if field in data:
                setattr(response, field, data[field])
    if sharing_flips:
        sharing_changed(patient.id, response)
    return response


def delete_response(response: MeasureResponse) -> None:
    """Delete a patient's own response, leaving a tombstone with no content.

    The tombstone (`server.items`, shared by every patient item) makes a
    later replay of the create a 410. Flags raised from the response stay:
    an urgent flag is about the patient's safety, which deleting the answer
    does not change. Other flags stop showing, because their source is no
    longer shared (`server.flags.queries`).
    """
    bury(response)


def update_plan(patient: User, data: dict, therapist: User) -> MeasurePlan:
    """Change a patient's plan (care-team therapist).

    Switch instruments on or off; `ask_now` lists questionnaires the patient
    should fill now (due until answered, whatever the schedule says);
    `index_event` names the PCL-5's "stressful experience" (empty to clear).
    """
    plan = db.session.get(MeasurePlan, patient.id)
    if plan is None:
        plan = MeasurePlan(patient_id=patient.id, phq9=True, gad7=True, pcl5=False)
        db.session.add(plan)
    for name in scoring.INSTRUMENTS:
        if name in data:
            setattr(plan, name, data[name])
    now = utcnow()
    for name in data.get("ask_now") or ():
        if not getattr(plan, name):
            abort(
                422,
                "Only a questionnaire that is on can be asked for.",
                errors={"ask_now": ["Switch it on first."]},
            )
        setattr(plan, f"{name}_asked_at", now)
    if "index_event" in data:
        plan.index_event = (data["index_event"] or "").strip() or None
    plan.updated_at = now
    plan.updated_by_id = therapist.id
    db.session.flush()
    return plan


def mark_series_start(patient: User, session, therapist: User, new_series: bool) -> None:
    """Mark (or unmark) a dosing session as the first of a new treatment series."""
    stored = db.session.get(SeriesStart, session.id)
    if new_series and stored is None:
        db.session.add(
            SeriesStart(
                ketamine_session_id=session.id, patient_id=patient.id, marked_by_id=therapist.id
            )
        )
    elif not new_series and stored is not None:
        db.session.delete(stored)
    db.session.flush()
