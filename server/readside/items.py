"""Shared items and sessions as a therapist reads them, and the statements that load them.

Each loader reads one kind for one patient, newest first, with this
therapist's read mark; the timeline and the brief add their conditions.
"""

from datetime import datetime

from sqlalchemy import and_, exists, select

from server.auth.models import User
from server.care.models import DosingSession, IntegrationSession
from server.extensions import db
from server.items import visible_to_care_team
from server.journal.models import CheckIn, JournalEntry, Prompt
from server.measures import scoring, trend
from server.measures.models import MeasureResponse
from server.readside.models import ReadMark

#: Shared item kinds: (model, the time the item was felt, written or answered).
ITEM_SOURCES = {
    "checkin": (CheckIn, CheckIn.recorded_at),
    "entry": (JournalEntry, JournalEntry.written_at),
    "measure_response": (MeasureResponse, MeasureResponse.completed_at),
}
#: Timeline kinds in the order they take when two share the same instant.
TIMELINE_TYPES = (
    "integration_session",
    "ketamine_session",
    "checkin",
    "entry",
    "measure_response",
)
RANK = {name: rank for rank, name in enumerate(TIMELINE_TYPES)}


def is_read(therapist_id, item_type: str, item_id):
    return exists().where(
        ReadMark.therapist_id == therapist_id,
        ReadMark.item_type == item_type,
        ReadMark.item_id == item_id,
    )


def read_mark(therapist: User, item_type: str, model):
    """Outer-join condition: this therapist's mark on this item, if any."""
    return and_(
        ReadMark.therapist_id == therapist.id,
        ReadMark.item_type == item_type,
        ReadMark.item_id == model.id,
    )


def checkin_item(checkin: CheckIn, read_at: datetime | None) -> dict:
    """A shared check-in, with the time as the patient lived it."""
    return {
        "type": "checkin",
        "id": checkin.id,
        "at": checkin.recorded_at_local,
        "read": read_at is not None,
        "discuss_next_session": checkin.discuss_next_session,
        "recorded_at": checkin.recorded_at_local,
        "mood": checkin.mood,
        "anxiety": checkin.anxiety,
        "energy": checkin.energy,
        "sleep_quality": checkin.sleep_quality,
        "emotions": list(checkin.emotions or []),
        "note": checkin.note,
        "unsafe": checkin.unsafe,
    }


def entry_item(entry: JournalEntry, prompt_text: str | None, read_at: datetime | None) -> dict:
    """A shared journal entry with the text of the prompt it answers."""
    return {
        "type": "entry",
        "id": entry.id,
        "at": entry.written_at_local,
        "read": read_at is not None,
        "discuss_next_session": entry.discuss_next_session,
        "written_at": entry.written_at_local,
        "body": entry.body,
        "prompt_id": entry.prompt_id,
        "prompt_text": prompt_text,
        "ketamine_session_id": entry.ketamine_session_id,
    }


def response_item(response: MeasureResponse, read_at: datetime | None) -> dict:
    """A shared questionnaire: answers, total and band as scored by the server."""
    return {
        "type": "measure_response",
        "id": response.id,
        "at": response.completed_at,
        "read": read_at is not None,
        "discuss_next_session": response.discuss_next_session,
        "completed_at": response.completed_at,
        "instrument": response.instrument,
        "answers": list(response.answers),
        "total": response.total,
        "severity": response.severity,
        "threshold": scoring.threshold(response.instrument, response.total),
    }


def ketamine_item(session: DosingSession) -> dict:
    """A dosing session on the timeline; sessions have nothing to mark read (`read` None)."""
    return {
        "type": "ketamine_session",
        "id": session.id,
        "at": session.scheduled_at,
        "read": None,
        "scheduled_at": session.scheduled_at,
        "route": session.route,
        "dose_mg": session.dose_mg,
        "setting": session.setting,
        "status": session.status,
    }


def integration_item(session: IntegrationSession) -> dict:
    """An integration session on the timeline (`read` None)."""
    return {
        "type": "integration_session",
        "id": session.id,
        "at": session.scheduled_at,
        "read": None,
        "scheduled_at": session.scheduled_at,
        "duration_minutes": session.duration_minutes,
        "status": session.status,
        "therapist_id": session.therapist_id,
    }


def checkins(therapist, patient_id, conditions, limit=None):
    statement = (
        select(CheckIn, ReadMark.read_at)
        .outerjoin(ReadMark, read_mark(therapist, "checkin", CheckIn))
        .where(CheckIn.patient_id == patient_id, visible_to_care_team(CheckIn), *conditions)
        .order_by(CheckIn.recorded_at.desc(), CheckIn.id.desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [
        checkin_item(checkin, read_at) for checkin, read_at in db.session.execute(statement).all()
    ]


def entries(therapist, patient_id, conditions, limit=None):
    statement = (
        select(JournalEntry, Prompt.text, ReadMark.read_at)
        .outerjoin(Prompt, Prompt.id == JournalEntry.prompt_id)
        .outerjoin(ReadMark, read_mark(therapist, "entry", JournalEntry))
        .where(
            JournalEntry.patient_id == patient_id, visible_to_care_team(JournalEntry), *conditions
        )
        .order_by(JournalEntry.written_at.desc(), JournalEntry.id.desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [
        entry_item(entry, prompt_text, read_at)
        for entry, prompt_text, read_at in db.session.execute(statement).all()
    ]


def responses(therapist, patient_id, conditions, limit=None):
    statement = (
        select(MeasureResponse, ReadMark.read_at)
        .outerjoin(ReadMark, read_mark(therapist, "measure_response", MeasureResponse))
        .where(
            MeasureResponse.patient_id == patient_id,
            visible_to_care_team(MeasureResponse),
            *conditions,
        )
        .order_by(MeasureResponse.completed_at.desc(), MeasureResponse.id.desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    found = db.session.execute(statement).all()
    # The series' baseline and markers come from the measures feature (two
    # statements, always, so a list's cost does not depend on its content).
    contexts = trend.load([patient_id], shared_only=True)[patient_id].contexts
    return [
        with_trend(response_item(response, read_at), response, contexts.get(response.id))
        for response, read_at in found
    ]


def with_trend(item: dict, response: MeasureResponse, context) -> dict:
    """A questionnaire item with its series' baseline and the markers judged against it."""
    baseline = context.baseline_total if context else None
    return item | {
        "baseline_total": baseline,
        "baseline_of_series": context.baseline_of if context else None,
        "change_from_baseline": None if baseline is None else response.total - baseline,
        "markers": scoring.markers(
            response.instrument, response.answers, response.total, baseline_total=baseline
        ),
    }


def sessions(model, make, patient_id, conditions, limit=None):
    statement = (
        select(model)
        .where(model.patient_id == patient_id, *conditions)
        .order_by(model.scheduled_at.desc(), model.id.desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [make(session) for session in db.session.scalars(statement).all()]


def timeline_key(item: dict) -> tuple:
    # Sorted in reverse: newest first, then by TIMELINE_TYPES, then id descending.
    return (item["at"], -RANK[item["type"]], item["id"])
