"""Shared items and sessions as a therapist reads them, and the statements that load them.

Each loader reads one kind for one patient, newest first, with this
therapist's read mark; the timeline and the brief add their conditions.
"""

from datetime import datetime
from operator import attrgetter

from marshmallow import Schema
from marshmallow.fields import Field
from sqlalchemy import and_, exists, select

from server.auth.models import User
from server.care.models import DosingSession, IntegrationSession
from server.care.schemas import DosingSessionSchema, IntegrationSessionSchema
from server.extensions import db
from server.items import visible_to_care_team
from server.journal.models import CheckIn, JournalEntry, Prompt
from server.journal.schemas import SharedCheckInSchema, SharedEntrySchema
from server.measures import scoring, trend
from server.measures.models import MeasureResponse
from server.measures.schemas import ResponseSchema
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


def owned(schema: type[Schema], *names: str) -> dict[str, Field]:
    """`schema`'s declared fields of these names; without names, all but the envelope's."""
    declared = schema._declared_fields
    return {name: declared[name] for name in names or declared if name not in ENVELOPE}


#: What every item carries, whatever its kind (sessions have no `discuss_next_session`).
ENVELOPE = ("type", "id", "at", "read", "discuss_next_session")
#: What each kind carries besides, read from its model as its owner's schema declares it.
KIND_FIELDS = {
    "checkin": owned(SharedCheckInSchema),
    "entry": owned(SharedEntrySchema),
    "measure_response": owned(
        ResponseSchema, "completed_at", "instrument", "answers", "total", "severity"
    ),
    "ketamine_session": owned(
        DosingSessionSchema, "scheduled_at", "route", "dose_mg", "setting", "status"
    ),
    "integration_session": owned(
        IntegrationSessionSchema, "scheduled_at", "duration_minutes", "status", "therapist_id"
    ),
}
#: What a questionnaire item carries that the loaders work out, as the measures declare it.
WORKED_OUT = owned(
    ResponseSchema,
    "threshold",
    "baseline_total",
    "baseline_of_series",
    "change_from_baseline",
    "markers",
)
_READERS = {
    kind: (
        tuple(declared),
        attrgetter(*(field.attribute or name for name, field in declared.items())),
    )
    for kind, declared in KIND_FIELDS.items()
}


def _item(kind: str, obj, at: datetime, read: bool | None) -> dict:
    names, read_values = _READERS[kind]
    item = {"type": kind, "id": obj.id, "at": at, "read": read}
    # Every kind reads several fields, so the getter gives a tuple.
    item.update(zip(names, read_values(obj), strict=True))
    return item


def checkin_item(checkin: CheckIn, read_at: datetime | None) -> dict:
    """A shared check-in, with the time as the patient lived it."""
    item = _item("checkin", checkin, checkin.recorded_at_local, read_at is not None)
    item["discuss_next_session"] = checkin.discuss_next_session
    item["unsafe"] = checkin.unsafe
    return item


def entry_item(entry: JournalEntry, prompt_text: str | None, read_at: datetime | None) -> dict:
    """A shared journal entry with the text of the prompt it answers."""
    item = _item("entry", entry, entry.written_at_local, read_at is not None)
    item["discuss_next_session"] = entry.discuss_next_session
    item["prompt_text"] = prompt_text
    return item


def response_item(response: MeasureResponse, read_at: datetime | None) -> dict:
    """A shared questionnaire: answers, total and band as scored by the server."""
    item = _item("measure_response", response, response.completed_at, read_at is not None)
    item["discuss_next_session"] = response.discuss_next_session
    item["threshold"] = scoring.threshold(response.instrument, response.total)
    return item


def ketamine_item(session: DosingSession) -> dict:
    """A dosing session on the timeline; sessions have nothing to mark read (`read` None)."""
    return _item("ketamine_session", session, session.scheduled_at, None)


def integration_item(session: IntegrationSession) -> dict:
    """An integration session on the timeline (`read` None)."""
    return _item("integration_session", session, session.scheduled_at, None)


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
