"""The therapist's read side: the caseload, a patient's timeline and the session brief.

Rules every function here keeps:

- Only shared items (check-ins, journal entries, measure responses) are
  read, from live rows: an item the patient unshares is gone from the next
  request on, and a private item is never counted nor drawn on a chart.
- A fixed number of statements whatever the size of the caseload or the
  history: figures are aggregated in SQL (per-patient index range scans on
  `(patient_id, <time>)`), never in a loop of queries per patient or item.
- Callers decide access (`server.access.patient_in_care`, or the caseload
  which only ever reads the therapist's own care team) and audit the read.

"The window" is what a therapist reads before an integration session: from
the latest integration session that has happened (not cancelled, at or
before now) on, or the last `DEFAULT_WINDOW` when there was none yet. The
timeline opens on it, the brief covers it and the caseload's unread count
counts in it, so the number on the caseload is what the timeline shows
unread.
"""

import base64
import binascii
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import (
    Date,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from server.auth.models import User
from server.care import phase
from server.care import queries as schedule
from server.care.models import DosingSession, IntegrationSession
from server.care.phase import phase_at
from server.care.read_models import ReadMark
from server.clinics.models import CareTeamMember
from server.crypto import DecryptionError, keyring
from server.db import UTCDateTime, utcnow
from server.errors import abort
from server.extensions import db
from server.fields import zone
from server.flags import queries as flag_queries
from server.flags.models import URGENT, Flag
from server.journal.models import CheckIn, JournalEntry, Prompt
from server.measures import queries as measure_queries
from server.measures import scoring
from server.measures.models import MeasureResponse

#: The window when a patient has had no integration session yet.
DEFAULT_WINDOW = timedelta(days=30)
#: Days in the caseload's mood trend, today (the patient's day) included.
TREND_DAYS = 14
#: Dosing sessions the brief lists ahead of now.
UPCOMING_DOSING = 3
#: Check-in notes the brief lists (the newest), so a long window still prints.
BRIEF_CHECKIN_NOTES = 50

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
_RANK = {name: rank for rank, name in enumerate(TIMELINE_TYPES)}

SORTS = ("attention", "name", "last_checkin")


# --- the patient's day ------------------------------------------------------------


class local_day(FunctionElement):
    """The calendar day of a UTC instant at the offset the patient's device sent with it.

    A check-in belongs to the day the patient lived it (23:30 stays on its
    evening), as on the patient's own screens; computed in SQL so a day's
    mean is aggregated by the database. Both dialects compute the same day.
    """

    type = Date()
    name = "local_day"
    inherit_cache = True


@compiles(local_day, "postgresql")
def _local_day_postgresql(element, compiler, **kw):
    at, offset = (compiler.process(clause, **kw) for clause in element.clauses)
    # AT TIME ZONE 'UTC' first: a timestamptz cast to date would use the
    # connection's TimeZone setting, not the patient's offset.
    return f"CAST(({at} AT TIME ZONE 'UTC') + make_interval(mins => {offset}) AS DATE)"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element, compiler, **kw):
    at, offset = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"date({at}, ({offset}) || ' minutes')"


# --- the caseload -----------------------------------------------------------------
#
# The caseload's statements pick their patients by a subquery of the
# therapist's care team, or, where the planner needs the ids themselves to
# pick an index, by one array parameter (`_among`). A list of 200 bound ids
# would make a statement too long for SQLAlchemy and the driver to cache its
# compiled form, and compiling it on every request costs about what running
# it does. (The flag counts come from the flags feature, which takes a list.)


def care_team_patients(therapist: User):
    """A select of the patients on `therapist`'s care team, in their clinic only."""
    return _care_team(therapist.id, therapist.clinic_id)


def _care_team(therapist_id, clinic_id):
    return (
        select(User)
        .join(
            CareTeamMember,
            and_(CareTeamMember.patient_id == User.id, CareTeamMember.therapist_id == therapist_id),
        )
        .where(User.role == "patient", User.clinic_id == clinic_id)
    )


# The caseload runs the same statements for every therapist at every moment,
# so they are composed once, with the therapist and the time as parameters:
# composing them cost ~3 ms of CPU a request, as much as running two of them.
_THERAPIST_ID = bindparam("therapist_id", type_=User.id.type)
_CLINIC_ID = bindparam("clinic_id", type_=User.clinic_id.type)
_NOW = bindparam("now", type_=UTCDateTime())
_DEFAULT_SINCE = bindparam("default_since", type_=UTCDateTime())
_UNTIL = bindparam("until", type_=UTCDateTime())


def _parameters(therapist: User, now: datetime) -> dict:
    return {
        "therapist_id": therapist.id,
        "clinic_id": therapist.clinic_id,
        "now": now,
        "default_since": now - DEFAULT_WINDOW,
        "until": now + timedelta(days=1),
    }


def caseload(therapist: User, *, sort: str = "attention", now: datetime | None = None) -> list:
    """One row per patient on `therapist`'s care team; four statements whatever its size.

    Each row: `patient_id`, `display_name`, `phase`, `last_checkin_at`
    (shared check-ins only), `mood_trend` (TREND_DAYS daily mean moods of
    shared check-ins, oldest first, None on a day without one; the last is
    the patient's today, `mood_trend_until`), `next_ketamine_session`,
    `next_integration_session` (`{"id", "scheduled_at"}` or None),
    `unread_shared_count` (shared items in the window not marked read by
    `therapist`), `open_flag_count`, `urgent_flag_count` (visible flags
    only, see `open_flag_counts`).

    Sorts: `attention` (most urgent flags, then most open flags, then name),
    `name`, `last_checkin` (longest silent first: never, then oldest).
    """
    now = now or utcnow()
    found = _rows(_caseload_patients(), _parameters(therapist, now))
    if not found:
        return []
    zones = {name: zone(name) for name in {row.time_zone for row in found}}
    moods = _daily_moods(
        [row.id for row in found], now - timedelta(days=TREND_DAYS + 1), now + timedelta(days=1)
    )
    unread = unread_counts(therapist, now)
    flags = open_flag_counts(therapist)

    # Patients mostly share a handful of todays: each one's TREND_DAYS days are listed once.
    trend_days: dict[date, list[date]] = {}
    no_flags, no_moods = {"total": 0, "urgent": 0}, {}
    rows = []
    for row in found:
        patient_id, name, time_zone, last_checkin_at, dose_id, dose_at, talk_id, talk_at = row[:8]
        tz = zones[time_zone]
        # Only the phase's name is shown, so the latest dose needs no id.
        deciding = [s for s in ((None, row[8]), (dose_id, dose_at)) if s[1] is not None]
        phase_now = phase.decide(deciding, tz, now)
        today = now.astimezone(tz).date()
        days = trend_days.get(today)
        if days is None:
            days = trend_days[today] = [
                today - timedelta(days=back) for back in range(TREND_DAYS - 1, -1, -1)
            ]
        daily = moods.get(patient_id, no_moods)
        counts = flags.get(patient_id, no_flags)
        rows.append(
            {
                "patient_id": patient_id,
                "display_name": name,
                "phase": phase_now.name,
                "last_checkin_at": last_checkin_at,
                "mood_trend": [daily.get(day) for day in days],
                "mood_trend_until": today,
                "next_ketamine_session": _session_ref(dose_id, dose_at),
                "next_integration_session": _session_ref(talk_id, talk_at),
                "unread_shared_count": unread.get(patient_id, 0),
                "open_flag_count": counts["total"],
                "urgent_flag_count": counts["urgent"],
            }
        )
    rows.sort(key=_SORT_KEYS[sort])
    return rows


def open_flag_counts(therapist: User) -> dict[uuid.UUID, dict[str, int]]:
    """Open flags `therapist` may see, per care-team patient: `{"total", "urgent"}`; one statement.

    Patients without any are absent from the answer.

    The same numbers as `server.flags.queries.open_flag_counts` (tested), by
    the flags feature's visibility rules: an item-9 flag always, a flag about
    the schedule or with no source always, one raised from a check-in or a
    questionnaire only while that item is shared. Written with EXISTS, each
    flag's source is one primary-key probe; the outer joins there let the
    planner hash every questionnaire ever answered, on every caseload.
    """
    rows = _rows(
        _open_flag_counts(), {"therapist_id": therapist.id, "clinic_id": therapist.clinic_id}
    )
    return {
        patient_id: {"total": total, "urgent": int(urgent)} for patient_id, total, urgent in rows
    }


@cache
def _open_flag_counts():
    shared_source = [
        and_(
            Flag.source_type == source_type,
            exists().where(model.id == Flag.source_id, model.shared.is_(True)),
        )
        for source_type, model in (("measure_response", MeasureResponse), ("checkin", CheckIn))
    ]
    visible = or_(
        Flag.kind.in_(flag_queries.ALWAYS_VISIBLE),
        Flag.source_type.is_(None),
        Flag.source_type.in_(flag_queries.SCHEDULE_SOURCES),
        *shared_source,
    )
    return (
        select(Flag.patient_id, func.count(), func.sum(case((Flag.severity == URGENT, 1), else_=0)))
        .where(
            Flag.clinic_id == _CLINIC_ID,
            Flag.acknowledged_at.is_(None),
            Flag.patient_id.in_(_care_team(_THERAPIST_ID, _CLINIC_ID).with_only_columns(User.id)),
            visible,
        )
        .group_by(Flag.patient_id)
    )


@cache
def _caseload_patients():
    """The care team, a row each: id, name, zone, latest shared check-in, next sessions."""
    # Per patient, each figure below is one probe of a (patient_id, time)
    # index: the latest shared check-in, and the next booked sessions.
    last_checkin = (
        select(func.max(CheckIn.recorded_at))
        .where(CheckIn.patient_id == User.id, CheckIn.shared.is_(True))
        .correlate(User)
        .scalar_subquery()
    )
    # The next dosing session is also the one `phase.decide` looks ahead to:
    # a session still to come is either scheduled or cancelled (scheduling
    # refuses to mark one completed before its time). Besides it, `decide`
    # needs only the latest dosing session that has happened: the session
    # under way or next today, the one integrated and the one prepared for
    # are always one of the two.
    sessions = [
        _next_session(DosingSession, _NOW, DosingSession.id),
        _next_session(DosingSession, _NOW, DosingSession.scheduled_at),
        _next_session(IntegrationSession, _NOW, IntegrationSession.id),
        _next_session(IntegrationSession, _NOW, IntegrationSession.scheduled_at),
        _last_dose(_NOW),
    ]
    # Columns, not User objects: the rows need three fields, and building
    # 200 full accounts (secrets and all) cost more than the statement.
    return _care_team(_THERAPIST_ID, _CLINIC_ID).with_only_columns(
        User.id, User.display_name, User.time_zone, last_checkin, *sessions
    )


def _next_session(model, now, column):
    """The first still-scheduled session after `now` (one column of it), per patient."""
    return (
        select(column)
        .where(model.patient_id == User.id, model.status == "scheduled", model.scheduled_at > now)
        .order_by(model.scheduled_at, model.id)
        .limit(1)
        .correlate(User)
        .scalar_subquery()
    )


def _session_ref(session_id, scheduled_at) -> dict | None:
    return None if session_id is None else {"id": session_id, "scheduled_at": scheduled_at}


def _name_key(row) -> tuple:
    return (row["display_name"].casefold(), str(row["patient_id"]))


def _silence_key(row) -> tuple:
    at = row["last_checkin_at"]
    return (at is not None, at.timestamp() if at else 0.0, *_name_key(row))


_SORT_KEYS = {
    "attention": lambda row: (-row["urgent_flag_count"], -row["open_flag_count"], *_name_key(row)),
    "name": _name_key,
    "last_checkin": _silence_key,
}


def _last_dose(now):
    """When the latest non-cancelled dosing session at or before `now` took place, per patient."""
    return (
        select(func.max(DosingSession.scheduled_at))
        .where(
            DosingSession.patient_id == User.id,
            DosingSession.status != "cancelled",
            DosingSession.scheduled_at <= now,
        )
        .correlate(User)
        .scalar_subquery()
    )


def _daily_moods(
    patient_ids: list[uuid.UUID], start: datetime, end: datetime
) -> dict[uuid.UUID, dict[date, float]]:
    """Mean mood of shared check-ins per patient and local day in `[start, end)`; one statement."""
    day = local_day(CheckIn.recorded_at, CheckIn.recorded_offset_minutes)
    rows = _rows(
        # Sum and count rather than avg(): integers come back as Python ints,
        # while PostgreSQL's avg() is a numeric, a Decimal per row here.
        select(CheckIn.patient_id, day, func.sum(CheckIn.mood), func.count())
        .where(
            # The ids themselves, not the care team's subquery: with them the
            # planner reads each patient's days from the (patient_id,
            # recorded_at) index; with a subquery it may scan every check-in.
            _among(CheckIn.patient_id, patient_ids),
            CheckIn.shared.is_(True),
            CheckIn.recorded_at >= start,
            CheckIn.recorded_at < end,
        )
        .group_by(CheckIn.patient_id, day)
    )
    moods: dict[uuid.UUID, dict[date, float]] = defaultdict(dict)
    for patient_id, on, total, count in rows:
        moods[patient_id][on] = round(total / count, 2)
    return moods


def _rows(statement, parameters: dict | None = None) -> list:
    """All rows of a statement of plain columns, run as Core on the session's connection.

    Same transaction as the ORM's, without its per-row loading machinery,
    which for a few thousand aggregated rows cost more than the query.
    """
    return db.session.connection().execute(statement, parameters).all()


def _among(column, ids: list[uuid.UUID]):
    """`column IN ids`; on PostgreSQL as one array parameter, so the statement stays short."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=postgresql.ARRAY(Uuid())))
    return column.in_(ids)


def _windows():
    """Each care-team patient's window as a subquery: `(patient_id, since, until)`.

    `until` (a day ahead: no item can be dated later) changes no count; it
    is there for PostgreSQL's planner, with OFFSET 0 keeping the subquery
    whole so that both bounds reach each count as per-patient parameters.
    Bounded on both sides by values unknown when planning, a range is
    estimated as narrow; bounded below only, as a third of the patient's
    history. That guess grows with the history until the plan's cost
    crosses the JIT threshold, and compiling it costs ten times the query.
    """
    last = (
        select(func.max(IntegrationSession.scheduled_at))
        .where(
            IntegrationSession.patient_id == User.id,
            IntegrationSession.status != "cancelled",
            IntegrationSession.scheduled_at <= _NOW,
        )
        .correlate(User)
        .scalar_subquery()
    )
    return (
        _care_team(_THERAPIST_ID, _CLINIC_ID)
        .with_only_columns(
            User.id.label("patient_id"),
            func.coalesce(last, _DEFAULT_SINCE, type_=UTCDateTime()).label("since"),
            _UNTIL.label("until"),
        )
        .offset(0)
        .subquery("windows")
    )


def unread_counts(therapist: User, now: datetime | None = None) -> dict[uuid.UUID, int]:
    """Shared items in each care-team patient's window not marked read by `therapist`.

    One statement. Patients with nothing unread are absent from the answer.
    """
    rows = _rows(_unread_counts(), _parameters(therapist, now or utcnow()))
    return {patient_id: count for patient_id, count in rows if count}


@cache
def _unread_counts():
    windows = _windows()
    # A correlated count per kind and patient: each one index range scan on
    # (patient_id, time) over that patient's window, probing read_marks by
    # primary key per row. Joining windows to the item tables instead lets
    # the planner, blind to where each window starts, hash whole tables (a
    # year of everyone's check-ins) on every caseload.
    counts = [
        select(func.count())
        .select_from(model)
        .where(
            model.patient_id == windows.c.patient_id,
            at >= windows.c.since,
            at < windows.c.until,
            model.shared.is_(True),
            ~_is_read(_THERAPIST_ID, item_type, model.id),
        )
        .correlate(windows)
        .scalar_subquery()
        for item_type, (model, at) in ITEM_SOURCES.items()
    ]
    return select(windows.c.patient_id, counts[0] + counts[1] + counts[2])


def _is_read(therapist_id, item_type: str, item_id):
    return exists().where(
        ReadMark.therapist_id == therapist_id,
        ReadMark.item_type == item_type,
        ReadMark.item_id == item_id,
    )


def _read_mark(therapist: User, item_type: str, model):
    """Outer-join condition: this therapist's mark on this item, if any."""
    return and_(
        ReadMark.therapist_id == therapist.id,
        ReadMark.item_type == item_type,
        ReadMark.item_id == model.id,
    )


# --- the window -------------------------------------------------------------------


def window_start(patient_id: uuid.UUID, now: datetime) -> datetime:
    """Where a patient's window starts (see the module's docstring); one statement."""
    last = schedule.last_integration_session_before(patient_id, now)
    return last.scheduled_at if last is not None else now - DEFAULT_WINDOW


# --- items as a therapist reads them ----------------------------------------------


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


def _checkins(therapist, patient_id, conditions, limit=None):
    statement = (
        select(CheckIn, ReadMark.read_at)
        .outerjoin(ReadMark, _read_mark(therapist, "checkin", CheckIn))
        .where(CheckIn.patient_id == patient_id, CheckIn.shared.is_(True), *conditions)
        .order_by(CheckIn.recorded_at.desc(), CheckIn.id.desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [
        checkin_item(checkin, read_at) for checkin, read_at in db.session.execute(statement).all()
    ]


def _entries(therapist, patient_id, conditions, limit=None):
    statement = (
        select(JournalEntry, Prompt.text, ReadMark.read_at)
        .outerjoin(Prompt, Prompt.id == JournalEntry.prompt_id)
        .outerjoin(ReadMark, _read_mark(therapist, "entry", JournalEntry))
        .where(JournalEntry.patient_id == patient_id, JournalEntry.shared.is_(True), *conditions)
        .order_by(JournalEntry.written_at.desc(), JournalEntry.id.desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [
        entry_item(entry, prompt_text, read_at)
        for entry, prompt_text, read_at in db.session.execute(statement).all()
    ]


def _responses(therapist, patient_id, conditions, limit=None):
    statement = (
        select(MeasureResponse, ReadMark.read_at)
        .outerjoin(ReadMark, _read_mark(therapist, "measure_response", MeasureResponse))
        .where(
            MeasureResponse.patient_id == patient_id,
            MeasureResponse.shared.is_(True),
            *conditions,
        )
        .order_by(MeasureResponse.completed_at.desc(), MeasureResponse.id.desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [
        response_item(response, read_at)
        for response, read_at in db.session.execute(statement).all()
    ]


def _sessions(model, make, patient_id, conditions, limit=None):
    statement = (
        select(model)
        .where(model.patient_id == patient_id, *conditions)
        .order_by(model.scheduled_at.desc(), model.id.desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [make(session) for session in db.session.scalars(statement).all()]


# --- the timeline -----------------------------------------------------------------


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
            conditions.append(_after(position, _RANK[kind], at, item_id))
        return conditions

    items = [
        *_checkins(
            therapist, patient.id, bounds("checkin", CheckIn.recorded_at, CheckIn.id), fetch
        ),
        *_entries(
            therapist, patient.id, bounds("entry", JournalEntry.written_at, JournalEntry.id), fetch
        ),
        *_responses(
            therapist,
            patient.id,
            bounds("measure_response", MeasureResponse.completed_at, MeasureResponse.id),
            fetch,
        ),
        *_sessions(
            DosingSession,
            ketamine_item,
            patient.id,
            bounds("ketamine_session", DosingSession.scheduled_at, DosingSession.id),
            fetch,
        ),
        *_sessions(
            IntegrationSession,
            integration_item,
            patient.id,
            bounds("integration_session", IntegrationSession.scheduled_at, IntegrationSession.id),
            fetch,
        ),
    ]
    items.sort(key=_timeline_key, reverse=True)
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = _encode_cursor(items[-1], therapist, patient)
    return Timeline(patient.id, since, until, items, next_cursor)


def _timeline_key(item: dict) -> tuple:
    # Sorted in reverse: newest first, then by TIMELINE_TYPES, then id descending.
    return (item["at"], -_RANK[item["type"]], item["id"])


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
        if at.tzinfo is None or kind not in _RANK:
            raise ValueError
        return at, _RANK[kind], uuid.UUID(id_text)
    except (ValueError, binascii.Error, DecryptionError, UnicodeDecodeError):
        abort(422, "The cursor is not valid.", errors={"cursor": ["Not a cursor from this list."]})


# --- the brief ----------------------------------------------------------------------


def brief(therapist: User, patient: User, *, now: datetime | None = None) -> dict:
    """Everything for the next integration session on one page; thirteen statements.

    (Ten when the patient has shared no questionnaire.)

    - `patient`: id, name, time zone and phase now.
    - `window`: `since` the last integration session (or DEFAULT_WINDOW),
      `until` now, and that session and the next one.
    - `discuss_next_session`: shared items in the window the patient marked
      to discuss, newest first, whatever their kind.
    - `entries`: the other shared entries in the window, with their prompts.
    - `checkin_notes`: the other shared check-ins in the window with a note,
      newest first, at most BRIEF_CHECKIN_NOTES; `checkin_notes_more` counts
      the older ones left out.
    - `mood`: average, lowest and highest mood of the window's shared
      check-ins, a daily series (every local day, None without a check-in),
      and the same figures for the previous window (from the integration
      session before, or as long again before `since`) with the change.
    - `scores`: per instrument, the latest shared response with severity,
      change from baseline and markers (`server.measures.queries`).
    - `sessions`: dosing sessions in the window and the next ones ahead.
    - `flags`: open visible flags, urgent first; a flag's source is named
      only while it is shared.
    """
    now = now or utcnow()
    last_two = list(
        db.session.scalars(
            select(IntegrationSession)
            .where(
                IntegrationSession.patient_id == patient.id,
                IntegrationSession.status != "cancelled",
                IntegrationSession.scheduled_at <= now,
            )
            .order_by(IntegrationSession.scheduled_at.desc(), IntegrationSession.id.desc())
            .limit(2)
        )
    )
    last = last_two[0] if last_two else None
    since = last.scheduled_at if last else now - DEFAULT_WINDOW
    previous_since = last_two[1].scheduled_at if len(last_two) > 1 else since - (now - since)
    upcoming = schedule.next_integration_session(patient.id, now)
    phase = phase_at(patient, now)

    discussed, checkin_notes, more_notes = _brief_checkins(therapist, patient.id, since)
    entries = _entries(therapist, patient.id, [JournalEntry.written_at >= since])
    discussed += [entry for entry in entries if entry["discuss_next_session"]]
    discussed += _responses(
        therapist,
        patient.id,
        [MeasureResponse.completed_at >= since, MeasureResponse.discuss_next_session.is_(True)],
    )
    discussed.sort(key=_timeline_key, reverse=True)

    dosing = _sessions(
        DosingSession, ketamine_item, patient.id, [DosingSession.scheduled_at >= since]
    )
    dosing.reverse()  # oldest first: the order they take place in
    return {
        "patient": {
            "id": patient.id,
            "display_name": patient.display_name,
            "time_zone": patient.time_zone,
            "phase": phase.name,
        },
        "window": {
            "since": since,
            "until": now,
            "last_integration_session": last,
            "next_integration_session": upcoming,
        },
        "discuss_next_session": discussed,
        "entries": [entry for entry in entries if not entry["discuss_next_session"]],
        "checkin_notes": checkin_notes,
        "checkin_notes_more": more_notes,
        "mood": _mood_summary(patient, previous_since, since, now),
        "scores": _latest_scores(patient.id),
        "sessions": {
            "in_window": [item for item in dosing if item["at"] <= now],
            "upcoming": [
                item for item in dosing if item["at"] > now and item["status"] == "scheduled"
            ][:UPCOMING_DOSING],
        },
        "flags": flag_queries.patient_flags([patient.id], open_only=True),
    }


def _brief_checkins(therapist: User, patient_id: uuid.UUID, since: datetime):
    """The window's shared check-ins to discuss, and the newest others with a note; one statement.

    Returns (to discuss, with a note, how many more with a note). Each check-in
    is ranked within its kind (to discuss or not) by a window function, so the
    notes are capped in SQL and counted without a second statement. An empty
    note is stored as no ciphertext (`server.journal.services`).
    """
    newest_first = (CheckIn.recorded_at.desc(), CheckIn.id.desc())
    kind = CheckIn.discuss_next_session
    ranked = (
        select(
            CheckIn.id,
            func.row_number().over(partition_by=kind, order_by=newest_first).label("rank"),
            func.count().over(partition_by=kind).label("of_kind"),
        )
        .where(
            CheckIn.patient_id == patient_id,
            CheckIn.shared.is_(True),
            CheckIn.recorded_at >= since,
            or_(kind.is_(True), CheckIn.note_ciphertext.is_not(None)),
        )
        .subquery()
    )
    statement = (
        select(CheckIn, ReadMark.read_at, ranked.c.of_kind)
        .join(ranked, ranked.c.id == CheckIn.id)
        .outerjoin(ReadMark, _read_mark(therapist, "checkin", CheckIn))
        .where(or_(kind.is_(True), ranked.c.rank <= BRIEF_CHECKIN_NOTES))
        .order_by(*newest_first)
    )
    discussed, notes, noted = [], [], 0
    for checkin, read_at, of_kind in db.session.execute(statement).all():
        if checkin.discuss_next_session:
            discussed.append(checkin_item(checkin, read_at))
        else:
            notes.append(checkin_item(checkin, read_at))
            noted = of_kind
    return discussed, notes, max(noted - BRIEF_CHECKIN_NOTES, 0)


def _mood_summary(patient: User, previous_since: datetime, since: datetime, now: datetime):
    """Mood of this window and the previous one, from shared check-ins; one statement."""
    day = local_day(CheckIn.recorded_at, CheckIn.recorded_offset_minutes)
    current = case((CheckIn.recorded_at >= since, 1), else_=0)
    # Labelled in a subquery, so the outer GROUP BY names columns rather
    # than repeating expressions with bound parameters (PostgreSQL would see
    # two different expressions).
    shared = (
        select(CheckIn.mood, day.label("day"), current.label("current"))
        .where(
            CheckIn.patient_id == patient.id,
            CheckIn.shared.is_(True),
            CheckIn.recorded_at >= previous_since,
            CheckIn.recorded_at <= now,
        )
        .subquery()
    )
    rows = _rows(
        select(
            shared.c.current,
            shared.c.day,
            func.sum(shared.c.mood),
            func.min(shared.c.mood),
            func.max(shared.c.mood),
            func.count(),
        )
        .group_by(shared.c.current, shared.c.day)
        .order_by(shared.c.day)
    )
    windows = {1: [], 0: []}
    for is_current, on, total, low, high, count in rows:
        windows[int(is_current)].append((on, int(total), low, high, count))

    tz = zone(patient.time_zone)
    first, last = since.astimezone(tz).date(), now.astimezone(tz).date()
    by_day = {on: (total, low, high, count) for on, total, low, high, count in windows[1]}
    days = []
    for offset in range((last - first).days + 1):
        on = first + timedelta(days=offset)
        total, low, high, count = by_day.get(on, (None, None, None, 0))
        days.append(
            {
                "date": on,
                "average": round(total / count, 2) if count else None,
                "min": low,
                "max": high,
                "checkin_count": count,
            }
        )
    summary = _summary(windows[1])
    previous = _summary(windows[0]) | {"since": previous_since, "until": since}
    change = None
    if summary["average"] is not None and previous["average"] is not None:
        change = round(summary["average"] - previous["average"], 2)
    return summary | {"days": days, "previous": previous, "change": change}


def _summary(days: list[tuple]) -> dict:
    count = sum(day[4] for day in days)
    if not count:
        return {"average": None, "min": None, "max": None, "checkin_count": 0}
    return {
        "average": round(sum(day[1] for day in days) / count, 2),
        "min": min(day[2] for day in days),
        "max": max(day[3] for day in days),
        "checkin_count": count,
    }


def _latest_scores(patient_id: uuid.UUID) -> list[dict]:
    """The latest shared response of each instrument, with its trend; four statements.

    (One when the patient has shared none.) The trend figures come from
    `server.measures.queries.score_trends`, asked only for the responses
    since the oldest of the latest ones: it computes baselines and previous
    totals over the whole history either way, and a year of weekly
    questionnaires need not be loaded to show the last of each.
    """
    latest_times = _rows(
        select(func.max(MeasureResponse.completed_at))
        .where(MeasureResponse.patient_id == patient_id, MeasureResponse.shared.is_(True))
        .group_by(MeasureResponse.instrument)
    )
    if not latest_times:
        return []
    since = min(at for (at,) in latest_times)
    history = measure_queries.score_trends([patient_id], since=since)[patient_id]
    latest = {}
    for item in history:  # oldest first, so the last one of each instrument wins
        latest[item["instrument"]] = item
    return [
        {
            "instrument": name,
            "response_id": item["id"],
            "completed_at": item["completed_at"],
            "total": item["total"],
            "severity": item["severity"],
            "threshold": item["threshold"],
            "baseline_total": item["baseline_total"],
            "change_from_baseline": item["change_from_baseline"],
            "markers": item["markers"],
        }
        for name, item in ((name, latest[name]) for name in scoring.INSTRUMENTS if name in latest)
    ]


# --- marking read -------------------------------------------------------------------


def shared_item_patient(therapist: User, item_type: str, item_id: uuid.UUID) -> uuid.UUID | None:
    """The patient of a shared item on `therapist`'s care team, or None; one statement.

    None alike for a missing item, a private one and another care team's,
    so the caller answers them all with the same 404.
    """
    model, _ = ITEM_SOURCES[item_type]
    return db.session.scalar(
        select(model.patient_id)
        .join(User, User.id == model.patient_id)
        .join(
            CareTeamMember,
            and_(
                CareTeamMember.patient_id == model.patient_id,
                CareTeamMember.therapist_id == therapist.id,
            ),
        )
        .where(
            model.id == item_id,
            model.shared.is_(True),
            User.role == "patient",
            User.clinic_id == therapist.clinic_id,
        )
    )
