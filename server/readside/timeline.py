"""A patient's timeline: shared items and sessions, newest first, a page at a time."""

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_

from server.auth.models import User
from server.care.models import DosingSession, IntegrationSession
from server.crypto import DecryptionError, keyring
from server.db import utcnow
from server.errors import abort
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
    position = _decode_cursor(cursor, therapist, patient) if cursor else None
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
        next_cursor = _encode_cursor(items[-1], therapist, patient)
    return Timeline(patient.id, since, until, items, next_cursor)


def _after(position: tuple[datetime, int, uuid.UUID], rank: int, at, item_id):
    """Rows of one kind (`rank`) that come after the cursor in timeline order."""
    after_at, after_rank, after_id = position
    if rank > after_rank:
        return at <= after_at
    if rank < after_rank:
        return at < after_at
    return or_(at < after_at, and_(at == after_at, item_id < after_id))


def _cursor_context(therapist: User, patient: User) -> str:
    return f"timeline:{therapist.id}:{patient.id}"


def _encode_cursor(item: dict, therapist: User, patient: User) -> str:
    # Encrypted, not just encoded: a cursor travels in a URL (and so into
    # access logs), and the time someone journaled is health data. Bound to
    # the reader and the patient, so it cannot be replayed elsewhere.
    text = f"{item['at'].isoformat()}|{item['type']}|{item['id']}"
    sealed = keyring().encrypt(text, _cursor_context(therapist, patient))
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def _decode_cursor(cursor: str, therapist: User, patient: User) -> tuple[datetime, int, uuid.UUID]:
    try:
        sealed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        text = keyring().decrypt(sealed, _cursor_context(therapist, patient))
        at_text, kind, id_text = text.split("|")
        at = datetime.fromisoformat(at_text)
        if at.tzinfo is None or kind not in RANK:
            raise ValueError
        return at, RANK[kind], uuid.UUID(id_text)
    except (ValueError, binascii.Error, DecryptionError, UnicodeDecodeError):
        abort(422, "The cursor is not valid.", errors={"cursor": ["Not a cursor from this list."]})
