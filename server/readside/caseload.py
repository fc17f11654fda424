"""The caseload: one row per patient on the therapist's care team, in eight statements."""

import uuid
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import String, case, cast, func, select

from server.auth.models import User
from server.care import phase
from server.care import queries as care_queries
from server.care.models import DosingSession, IntegrationSession
from server.clinics.queries import on_care_team
from server.companion import queries as companion_queries
from server.db import utcnow
from server.fields import zone
from server.flags import queries as flag_queries
from server.flags.models import URGENT, Flag
from server.items import visible_to_care_team
from server.journal.models import CheckIn
from server.measures import summary
from server.readside.items import ITEM_SOURCES, is_read
from server.readside.sql import (
    CLINIC_ID,
    NOW,
    THERAPIST_ID,
    among,
    care_team,
    fetch_rows,
    local_day,
)
from server.readside.window import DEFAULT_WINDOW, care_team_windows

#: Days in the caseload's mood trend, today (the patient's day) included.
TREND_DAYS = 14

SORTS = ("attention", "name", "last_checkin")


# The caseload runs the same statements for every therapist at every moment,
# so they are composed once (`functools.cache`), with the therapist and the
# time as bound parameters (`server.readside.sql`): composing them cost as
# much CPU a request as running two of them.


def _parameters(therapist: User, now: datetime) -> dict:
    return {
        "therapist_id": therapist.id,
        "clinic_id": therapist.clinic_id,
        "now": now,
        "default_since": now - DEFAULT_WINDOW,
        "until": now + timedelta(days=1),
    }


def caseload(therapist: User, *, sort: str = "attention", now: datetime | None = None) -> list:
    """One row per patient on `therapist`'s care team; eight statements whatever its size.

    Each row: `patient_id`, `display_name`, `phase`, `last_checkin_at` and
    `last_checkin_mood` (shared check-ins only), `mood_trend` (TREND_DAYS daily mean moods of
    shared check-ins, oldest first, None on a day without one; the last is
    the patient's today, `mood_trend_until`), `next_ketamine_session`,
    `next_integration_session` (`{"id", "scheduled_at"}` or None),
    `unread_shared_count` (shared items in the window not marked read by
    `therapist`), `open_flag_count`, `urgent_flag_count` (visible flags
    only, see `open_flag_counts`), `checklist_open` (preparation items not
    ticked for the next dosing session once it is two days or less away,
    else None; `server.companion`), `scores` and `relapse`
    (`server.measures.summary`: two statements).

    Sorts: `attention` (most urgent flags, then most open flags, then name),
    `name`, `last_checkin` (longest silent first: never, then oldest).
    """
    now = now or utcnow()
    found = fetch_rows(_caseload_patients(), _parameters(therapist, now))
    if not found:
        return []
    zones = {name: zone(name) for name in {row.time_zone for row in found}}
    moods = _daily_moods(
        [row.id for row in found], now - timedelta(days=TREND_DAYS + 1), now + timedelta(days=1)
    )
    unread = unread_counts(therapist, now)
    flags = open_flag_counts(therapist)
    checklists = companion_queries.open_checklist_counts(
        therapist.clinic_id, [(row[4], row[5]) for row in found], now
    )
    scores = summary.latest_scores([row.id for row in found], now)

    # Patients mostly share a handful of todays: each one's TREND_DAYS days are listed once.
    trend_days: dict[date, list[str]] = {}
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
                (today - timedelta(days=back)).isoformat() for back in range(TREND_DAYS - 1, -1, -1)
            ]
        daily = moods.get(patient_id, no_moods)
        counts = flags.get(patient_id, no_flags)
        rows.append(
            {
                "patient_id": patient_id,
                "display_name": name,
                "phase": phase_now.name,
                "last_checkin_at": last_checkin_at,
                "last_checkin_mood": row[9],
                "mood_trend": [daily.get(day) for day in days],
                "mood_trend_until": today,
                "next_ketamine_session": _session_ref(dose_id, dose_at),
                "next_integration_session": _session_ref(talk_id, talk_at),
                "unread_shared_count": unread.get(patient_id, 0),
                "open_flag_count": counts["total"],
                "urgent_flag_count": counts["urgent"],
                "checklist_open": checklists.get(dose_id),
                **scores[patient_id],
            }
        )
    rows.sort(key=_SORT_KEYS[sort])
    return rows


def open_flag_counts(therapist: User) -> dict[uuid.UUID, dict[str, int]]:
    """Open flags `therapist` may see, per care-team patient: `{"total", "urgent"}`; one statement.

    Patients without any are absent from the answer.

    By the flags feature's visibility rule (`server.flags.queries.flag_visible`):
    an item-9 flag always, a flag about the schedule or with no source
    always, one raised from a check-in or a questionnaire only while that
    item is shared.
    """
    rows = fetch_rows(
        _open_flag_counts(), {"therapist_id": therapist.id, "clinic_id": therapist.clinic_id}
    )
    return {
        patient_id: {"total": total, "urgent": int(urgent)} for patient_id, total, urgent in rows
    }


@cache
def _open_flag_counts():
    return (
        select(Flag.patient_id, func.count(), func.sum(case((Flag.severity == URGENT, 1), else_=0)))
        .where(
            Flag.clinic_id == CLINIC_ID,
            Flag.acknowledged_at.is_(None),
            on_care_team(THERAPIST_ID, CLINIC_ID, Flag.patient_id),
            flag_queries.flag_visible(),
        )
        .group_by(Flag.patient_id)
    )


@cache
def _caseload_patients():
    """The care team, a row each: id, name, zone, latest shared check-in, next sessions,
    the latest dose, the latest shared check-in's mood."""
    # Per patient, each figure below is one probe of a (patient_id, time)
    # index: the latest shared check-in, and the next booked sessions.
    last_checkin = (
        select(func.max(CheckIn.recorded_at))
        .where(CheckIn.patient_id == User.id, visible_to_care_team(CheckIn))
        .correlate(User)
        .scalar_subquery()
    )
    # Its mood as recorded: the sparkline's "latest" (its points are daily means).
    # Read at that moment, the newest id first should two share it: ordered by
    # (recorded_at, id) instead, each probe sorted the newest moment's entries.
    last_mood = (
        select(CheckIn.mood)
        .where(
            CheckIn.patient_id == User.id,
            visible_to_care_team(CheckIn),
            CheckIn.recorded_at == last_checkin,
        )
        .order_by(CheckIn.id.desc())
        .limit(1)
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
        _next_session(DosingSession, NOW, DosingSession.id),
        _next_session(DosingSession, NOW, DosingSession.scheduled_at),
        _next_session(IntegrationSession, NOW, IntegrationSession.id),
        _next_session(IntegrationSession, NOW, IntegrationSession.scheduled_at),
        _last_dose(NOW),
    ]
    # Columns, not User objects: the rows need three fields, and building
    # 200 full accounts (secrets and all) cost more than the statement.
    return care_team(THERAPIST_ID, CLINIC_ID).with_only_columns(
        User.id, User.display_name, User.time_zone, last_checkin, *sessions, last_mood
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
        care_queries.last_taken_place(DosingSession, User.id, now).correlate(User).scalar_subquery()
    )


def _daily_moods(
    patient_ids: list[uuid.UUID], start: datetime, end: datetime
) -> dict[uuid.UUID, dict[str, float]]:
    """Mean mood of shared check-ins per patient and local day (ISO, "YYYY-MM-DD") in
    `[start, end)`; one statement."""
    day = local_day(CheckIn.recorded_at, CheckIn.recorded_offset_minutes)
    daily = (
        # Sum and count rather than avg(): PostgreSQL's avg() is a numeric.
        select(
            CheckIn.patient_id,
            # ISO text: psycopg works only with the server on DateStyle ISO.
            cast(day, String).label("day"),
            cast(func.sum(CheckIn.mood), String).label("total"),
            cast(func.count(), String).label("count"),
        )
        .where(
            # The ids themselves, not the care team's subquery: with them the
            # planner reads each patient's days from the (patient_id,
            # recorded_at) index; with a subquery it may scan every check-in.
            among(CheckIn.patient_id, patient_ids),
            visible_to_care_team(CheckIn),
            CheckIn.recorded_at >= start,
            CheckIn.recorded_at < end,
        )
        .group_by(CheckIn.patient_id, day)
        .subquery()
    )
    # One row per patient, the days joined into one string ("day total count,..."):
    # a row per patient and day cost more to load than to aggregate.
    rows = fetch_rows(
        select(
            daily.c.patient_id,
            func.aggregate_strings(daily.c.day + " " + daily.c.total + " " + daily.c.count, ","),
        ).group_by(daily.c.patient_id)
    )
    moods: dict[uuid.UUID, dict[str, float]] = {}
    # Few (total, count) pairs recur across a caseload: each mean is worked out once.
    means: dict[str, float] = {}
    for patient_id, joined in rows:
        days = moods[patient_id] = {}
        for each in joined.split(","):
            on, sums = each.split(" ", 1)
            mean = means.get(sums)
            if mean is None:
                total, count = sums.split(" ")
                mean = means[sums] = round(int(total) / int(count), 2)
            days[on] = mean
    return moods


def unread_counts(therapist: User, now: datetime | None = None) -> dict[uuid.UUID, int]:
    """Shared items in each care-team patient's window not marked read by `therapist`.

    One statement. Patients with nothing unread are absent from the answer.
    """
    rows = fetch_rows(_unread_counts(), _parameters(therapist, now or utcnow()))
    return {patient_id: count for patient_id, count in rows if count}


@cache
def _unread_counts():
    windows = care_team_windows()
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
            visible_to_care_team(model),
            ~is_read(THERAPIST_ID, item_type, model.id),
        )
        .correlate(windows)
        .scalar_subquery()
        for item_type, (model, at) in ITEM_SOURCES.items()
    ]
    return select(windows.c.patient_id, counts[0] + counts[1] + counts[2])
