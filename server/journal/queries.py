"""Reading the journal: the patient's own lists and the care team's view.

What is due to answer is in `due.py`, the prompt library in `prompts.py`.

The care team's functions (`shared_*`, `latest_checkin_times`,
`mood_series`, `unread_counts`) read shared items only, so a private item
never reaches a therapist, not even as a count or a point on a chart; and
they read live rows, so unsharing shows from the next request on. Callers
decide access (`server.access.patient_in_care`) and audit the read. Each
function runs a fixed number of statements whatever the history's size.
"""

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select, union_all

from server import paging
from server.db import utcnow
from server.extensions import db
from server.items import visible_to_care_team
from server.journal.models import CheckIn, JournalEntry


@dataclass
class Page:
    items: list
    next_cursor: str | None


# --- the patient's own lists ---------------------------------------------------


def own_page(
    model: type[CheckIn | JournalEntry],
    patient_id: uuid.UUID,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """A patient's own check-ins or journal entries, newest first, in one statement."""
    return _page(model, item_time_column(model), patient_id, since, until, cursor, limit)


#: How many of a patient's latest check-ins their reusable tags are read from.
TAGS_FROM_LATEST = 200


def recent_tags(patient_id: uuid.UUID) -> list[str]:
    """The patient's own tags, most recently used first, from their latest check-ins.

    Tags are encrypted at rest, so they are read from the rows and decrypted
    here, in one statement; the same word in another case counts once.
    """
    rows = db.session.scalars(
        select(CheckIn)
        .where(CheckIn.patient_id == patient_id, CheckIn.tags_ciphertext.is_not(None))
        .order_by(CheckIn.recorded_at.desc())
        .limit(TAGS_FROM_LATEST)
    )
    seen: dict[str, str] = {}
    for row in rows:
        for tag in row.tags:
            seen.setdefault(tag.casefold(), tag)
    return list(seen.values())


#: The most matches one search answers with; a patient narrows the words for more.
SEARCH_LIMIT = 100


def search_entries(patient_id: uuid.UUID, words: str) -> tuple[list[JournalEntry], bool]:
    """A patient's own entries whose text holds every one of `words`, newest first.

    Bodies are encrypted at rest, so there is no index to ask: the patient's
    entries are read in one statement and matched after decryption, in memory
    and for this request only. Returns the matches (at most SEARCH_LIMIT) and
    whether there were more.
    """
    terms = words.casefold().split()
    rows = db.session.scalars(
        select(JournalEntry)
        .where(JournalEntry.patient_id == patient_id)
        .order_by(JournalEntry.written_at.desc(), JournalEntry.id.desc())
    )
    found = [row for row in rows if all(term in row.body.casefold() for term in terms)]
    return found[:SEARCH_LIMIT], len(found) > SEARCH_LIMIT


def _page(model, at_column, patient_id, since, until, cursor, limit) -> Page:
    query = _within(select(model).where(model.patient_id == patient_id), at_column, since, until)
    bound_to = f"{model.__tablename__}:{patient_id}"
    if cursor:
        before_at, before_id = paging.open(cursor, bound_to, datetime, uuid.UUID)
        query = query.where(
            or_(at_column < before_at, and_(at_column == before_at, model.id < before_id))
        )
    rows = list(
        db.session.scalars(query.order_by(at_column.desc(), model.id.desc()).limit(limit + 1))
    )
    if len(rows) <= limit:
        return Page(rows, None)
    last = rows[limit - 1]
    return Page(rows[:limit], paging.seal([getattr(last, at_column.key), last.id], bound_to))


# --- the care team's view -------------------------------------------------------


def _within(query: Select, at_column, since, until) -> Select:
    if since is not None:
        query = query.where(at_column >= since)
    if until is not None:
        query = query.where(at_column < until)
    return query


def _shared(model, at_column, patient_id, since, until) -> Select:
    query = select(model).where(model.patient_id == patient_id, visible_to_care_team(model))
    return _within(query, at_column, since, until).order_by(at_column.desc(), model.id.desc())


def shared_checkins_since(
    patient_id: uuid.UUID, since: datetime | None = None, until: datetime | None = None
) -> list[CheckIn]:
    """A patient's shared check-ins recorded in `[since, until)`, newest first (one statement)."""
    return list(db.session.scalars(_shared(CheckIn, CheckIn.recorded_at, patient_id, since, until)))


def shared_entries_since(
    patient_id: uuid.UUID, since: datetime | None = None, until: datetime | None = None
) -> list[JournalEntry]:
    """A patient's shared journal entries written in `[since, until)`, newest first (one)."""
    return list(
        db.session.scalars(_shared(JournalEntry, JournalEntry.written_at, patient_id, since, until))
    )


def item_time_column(model: type[CheckIn | JournalEntry]):
    """The column of when an item was felt or written."""
    return model.recorded_at if model is CheckIn else model.written_at


def item_time(item: CheckIn | JournalEntry) -> datetime:
    """When an item was felt or written: what a timeline orders by."""
    return item.recorded_at if isinstance(item, CheckIn) else item.written_at


def shared_items_since(
    patient_id: uuid.UUID, since: datetime | None = None, until: datetime | None = None
) -> list[CheckIn | JournalEntry]:
    """Shared check-ins and entries together, newest first (two statements).

    `discuss_next_session` is on each item, for a brief that lists those first.
    """
    items = [
        *shared_checkins_since(patient_id, since, until),
        *shared_entries_since(patient_id, since, until),
    ]
    items.sort(key=lambda item: (item_time(item), item.id), reverse=True)
    return items


def latest_checkin_times(patient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """Each patient's latest shared check-in time (caseload), in one statement.

    Patients with no shared check-in are absent from the answer.
    """
    patient_ids = list(patient_ids)
    if not patient_ids:
        return {}
    rows = db.session.execute(
        select(CheckIn.patient_id, func.max(CheckIn.recorded_at))
        .where(CheckIn.patient_id.in_(patient_ids), visible_to_care_team(CheckIn))
        .group_by(CheckIn.patient_id)
    )
    return {patient_id: at for patient_id, at in rows if at is not None}


@dataclass(frozen=True)
class DailyMood:
    """One day of a mood series: the patient's local day, mean mood, how many check-ins."""

    day: date
    mood: float
    count: int


def mood_series(
    patient_ids: Iterable[uuid.UUID], *, days: int = 14, now: datetime | None = None
) -> dict[uuid.UUID, list[DailyMood]]:
    """Each patient's daily mean mood over the last `days` days, oldest first (one statement).

    From shared check-ins recorded in the `days` x 24 h before `now`. A day
    is the patient's own day as their device reported it (the offset sent
    with each check-in), so a late evening check-in stays on its evening.
    Days without a shared check-in are left out; every asked-for patient
    has a (possibly empty) list.
    """
    patient_ids = list(patient_ids)
    series: dict[uuid.UUID, list[DailyMood]] = {patient_id: [] for patient_id in patient_ids}
    if not patient_ids:
        return series
    now = now or utcnow()
    rows = db.session.execute(
        select(
            CheckIn.patient_id,
            CheckIn.recorded_at,
            CheckIn.recorded_offset_minutes,
            CheckIn.mood,
        ).where(
            CheckIn.patient_id.in_(patient_ids),
            visible_to_care_team(CheckIn),
            CheckIn.recorded_at > now - timedelta(days=days),
            CheckIn.recorded_at <= now,
        )
    )
    by_day: dict[uuid.UUID, dict[date, list[int]]] = defaultdict(lambda: defaultdict(list))
    for patient_id, recorded_at, offset, mood in rows:
        by_day[patient_id][CheckIn.as_local(recorded_at, offset).date()].append(mood)
    for patient_id, days_moods in by_day.items():
        series[patient_id] = [
            DailyMood(day, round(sum(moods) / len(moods), 2), len(moods))
            for day, moods in sorted(days_moods.items())
        ]
    return series


def unread_counts(
    patient_ids: Iterable[uuid.UUID],
    read_ids: Collection[uuid.UUID] | Select,
    since: datetime | dict[uuid.UUID, datetime | None] | None = None,
) -> dict[uuid.UUID, int]:
    """How many shared check-ins and entries each patient has that are not in `read_ids`.

    `read_ids` is a collection of item ids, or a `select()` of one id column
    (then the subtraction runs in the database). `since` limits the count to
    items at or after it, either one time for all or one per patient (e.g.
    each patient's last integration session; a patient missing from the
    mapping, or None, counts everything). One statement; every asked-for
    patient is in the answer.
    """
    patient_ids = list(patient_ids)
    counts = dict.fromkeys(patient_ids, 0)
    if not patient_ids:
        return counts
    parts = []
    for model, at_column in (
        (CheckIn, CheckIn.recorded_at),
        (JournalEntry, JournalEntry.written_at),
    ):
        part = select(model.patient_id.label("patient_id"), model.id.label("id")).where(
            model.patient_id.in_(patient_ids), visible_to_care_team(model)
        )
        if isinstance(since, dict):
            windows = [
                and_(model.patient_id == patient_id, at_column >= start)
                if start is not None
                else model.patient_id == patient_id
                for patient_id, start in ((p, since.get(p)) for p in patient_ids)
            ]
            part = part.where(or_(*windows))
        elif since is not None:
            part = part.where(at_column >= since)
        if isinstance(read_ids, Select):
            part = part.where(model.id.not_in(read_ids.scalar_subquery()))
        parts.append(part)
    items = union_all(*parts).subquery()
    if isinstance(read_ids, Select):
        rows = db.session.execute(
            select(items.c.patient_id, func.count()).group_by(items.c.patient_id)
        )
        counts.update({patient_id: count for patient_id, count in rows})
        return counts
    read = set(read_ids)
    for patient_id, item_id in db.session.execute(select(items.c.patient_id, items.c.id)):
        if item_id not in read:
            counts[patient_id] += 1
    return counts
