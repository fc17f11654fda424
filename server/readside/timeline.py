"""A patient's timeline: shared items and sessions, newest first, a page at a time."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_

from server import paging
from server.auth.models import User
from server.care.models import DosingSession, IntegrationSession
from server.db import utcnow
from server.journal.models import CheckIn, JournalEntry
from server.measures.models import MeasureResponse
from server.readside.items import (
    RANK,
    checkins,
    entries,
    integration_item,
    ketamine_item,
    responses,
    sessions,
    timeline_key,
)
from server.readside.window import window_start


@dataclass
class Timeline:
    patient_id: uuid.UUID
    since: datetime
    until: datetime | None
    items: list[dict]
    next_cursor: str | None


def timeline(
    therapist: User,
    patient: User,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> Timeline:
    """Shared items and sessions of `patient` in `[since, until)`, newest first; five statements.

    `since` defaults to the window's start (one more statement), `until` to
    no end (booked sessions ahead come first). Ties at one instant are ordered by
    TIMELINE_TYPES, then id. Each kind is read with its own index range scan
    limited to `limit + 1` rows after the cursor, and the kinds are merged
    here, so the cost follows the page size, not the history.
    """
    now = now or utcnow()
    if since is None:
        since = window_start(patient.id, now)
    bound_to = f"timeline:{therapist.id}:{patient.id}"
    position = None
    if cursor:
        at, kind, item_id = paging.open(cursor, bound_to, datetime, str, uuid.UUID)
        if kind not in RANK:
            paging.refuse()
        position = (at, RANK[kind], item_id)
    fetch = limit + 1

    def bounds(kind: str, at, item_id) -> list:
        conditions = [at >= since]
        if until is not None:
            conditions.append(at < until)
        if position is not None:
            conditions.append(_after(position, RANK[kind], at, item_id))
        return conditions

    items = [
        *checkins(therapist, patient.id, bounds("checkin", CheckIn.recorded_at, CheckIn.id), fetch),
        *entries(
            therapist, patient.id, bounds("entry", JournalEntry.written_at, JournalEntry.id), fetch
        ),
        *responses(
            therapist,
            patient.id,
            bounds("measure_response", MeasureResponse.completed_at, MeasureResponse.id),
            fetch,
        ),
        *sessions(
            DosingSession,
            ketamine_item,
            patient.id,
            bounds("ketamine_session", DosingSession.scheduled_at, DosingSession.id),
            fetch,
        ),
        *sessions(
            IntegrationSession,
            integration_item,
            patient.id,
            bounds("integration_session", IntegrationSession.scheduled_at, IntegrationSession.id),
            fetch,
        ),
    ]
    items.sort(key=timeline_key, reverse=True)
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = paging.seal([last["at"], last["type"], last["id"]], bound_to)
    return Timeline(patient.id, since, until, items, next_cursor)


def _after(position: tuple[datetime, int, uuid.UUID], rank: int, at, item_id):
    """Rows of one kind (`rank`) that come after the cursor in timeline order."""
    after_at, after_rank, after_id = position
    if rank > after_rank:
        return at <= after_at
    if rank < after_rank:
        return at < after_at
    return or_(at < after_at, and_(at == after_at, item_id < after_id))
