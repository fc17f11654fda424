"""The brief's check-in figures: mood against the previous window, the four scales'
ranges by day, the latest check-in and the days without one; one statement.

Only shared check-ins count, so a day with only a private check-in is a day
without one, as the care team sees it (a private item is never counted).
"""

from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select

from server.auth.models import User
from server.extensions import db
from server.fields import zone
from server.items import visible_to_care_team
from server.journal.models import CheckIn
from server.readside.sql import local_day

#: The check-in's scales as the brief names them, each 0 to 10.
SCALES = {
    "mood": CheckIn.mood,
    "sleep_quality": CheckIn.sleep_quality,
    "anxiety": CheckIn.anxiety,
    "energy": CheckIn.energy,
}


def checkin_summary(
    patient: User, previous_since: datetime, since: datetime, now: datetime, dose_times=()
) -> tuple[dict, dict]:
    """(mood, checkins) of the window `since`..`now`; one statement.

    - mood: average, lowest and highest mood, a daily series (every local
      day, None without a check-in), and the previous window's figures with
      the change.
    - checkins: per scale its average, lowest, highest and how many
      check-ins gave it; `days` with each scale's daily average; `latest`,
      the window's newest check-in as it was recorded (not a day's average);
      `dose_days`, the patient's days of `dose_times`; and `adherence`.
    """
    day = local_day(CheckIn.recorded_at, CheckIn.recorded_offset_minutes)
    current = case((CheckIn.recorded_at >= since, 1), else_=0)
    newest_first = (CheckIn.recorded_at.desc(), CheckIn.id.desc())
    # Labelled in a subquery, so the outer GROUP BY names columns rather
    # than repeating expressions with bound parameters (PostgreSQL would see
    # two different expressions). The rank picks the newest check-in out of
    # the same rows, so "latest" costs no statement of its own.
    shared = (
        select(
            *(column.label(name) for name, column in SCALES.items()),
            CheckIn.recorded_at,
            day.label("day"),
            current.label("current"),
            func.row_number().over(partition_by=current, order_by=newest_first).label("rank"),
        )
        .where(
            CheckIn.patient_id == patient.id,
            visible_to_care_team(CheckIn),
            CheckIn.recorded_at >= previous_since,
            CheckIn.recorded_at <= now,
        )
        .subquery()
    )
    newest = and_(shared.c.current == 1, shared.c.rank == 1)
    per_scale = []
    for name in SCALES:
        column = shared.c[name]
        per_scale += [func.sum(column), func.min(column), func.max(column), func.count(column)]
    latest = [func.max(case((newest, shared.c[name]))) for name in SCALES]
    statement = (
        select(
            shared.c.current,
            shared.c.day,
            func.count(),
            func.max(case((newest, shared.c.recorded_at))),
            *latest,
            *per_scale,
        )
        .group_by(shared.c.current, shared.c.day)
        .order_by(shared.c.day)
    )
    windows = {1: [], 0: []}
    newest_row = None
    for row in db.session.connection().execute(statement).all():
        is_current, on, count, latest_at = row[:4]
        if latest_at is not None:
            newest_row = row
        figures = {}
        for index, name in enumerate(SCALES):
            total, low, high, given = row[4 + len(SCALES) + 4 * index :][:4]
            figures[name] = (total, low, high, given)
        windows[int(is_current)].append((on, count, figures))

    tz = zone(patient.time_zone)
    first, last = since.astimezone(tz).date(), now.astimezone(tz).date()
    by_day = {on: (count, figures) for on, count, figures in windows[1]}
    if by_day:
        # A check-in is on the day its phone lived it: one sent from another zone can
        # fall a day outside the profile zone's; the calendar stretches to show it.
        first, last = min(first, min(by_day)), max(last, max(by_day))
    calendar = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    days = [(on, *by_day.get(on, (0, None))) for on in calendar]

    mood = _range(windows[1], "mood") | {
        "days": [
            {
                "date": on,
                "average": _average(figures, "mood"),
                "min": figures["mood"][1] if figures else None,
                "max": figures["mood"][2] if figures else None,
                "checkin_count": count,
            }
            for on, count, figures in days
        ],
    }
    previous = _range(windows[0], "mood") | {"since": previous_since, "until": since}
    change = None
    if mood["average"] is not None and previous["average"] is not None:
        change = round(mood["average"] - previous["average"], 2)
    mood |= {"previous": previous, "change": change}

    checkins = {
        "scales": {name: _range(windows[1], name) for name in SCALES},
        "days": [
            {"date": on, "checkin_count": count}
            | {name: _average(figures, name) for name in SCALES}
            for on, count, figures in days
        ],
        "latest": None,
        "dose_days": sorted({at.astimezone(tz).date() for at in dose_times if since <= at <= now}),
        "adherence": adherence([count for _, count, _ in days]),
    }
    if newest_row is not None:
        checkins["latest"] = {"recorded_at": newest_row[3]} | {
            name: newest_row[4 + index] for index, name in enumerate(SCALES)
        }
    return mood, checkins


def adherence(counts: list[int]) -> dict:
    """Days of the window with and without a shared check-in, and the longest run without.

    `counts` are the check-ins of each day, oldest first, the last being
    today: today without one yet is not counted as missed (the day is not
    over).
    """
    if counts and not counts[-1]:
        counts = counts[:-1]
    longest = run = 0
    for count in counts:
        run = 0 if count else run + 1
        longest = max(longest, run)
    with_checkin = sum(1 for count in counts if count)
    return {
        "days": len(counts),
        "with_checkin": with_checkin,
        "without_checkin": len(counts) - with_checkin,
        "longest_gap_days": longest,
    }


def _range(days: list[tuple], name: str) -> dict:
    given = sum(figures[name][3] for _, _, figures in days)
    if not given:
        return {"average": None, "min": None, "max": None, "checkin_count": 0}
    return {
        "average": round(sum(figures[name][0] or 0 for _, _, figures in days) / given, 2),
        "min": min(figures[name][1] for _, _, figures in days if figures[name][3]),
        "max": max(figures[name][2] for _, _, figures in days if figures[name][3]),
        "checkin_count": given,
    }


def _average(figures: dict | None, name: str) -> float | None:
    if not figures or not figures[name][3]:
        return None
    return round(figures[name][0] / figures[name][3], 2)
