"""Treatment series, each series' baseline, the nadir: pure rules over times and totals.

A treatment series is a run of dosing sessions. A new series starts at the
first dosing session, after a gap of more than `SERIES_GAP` (8 weeks) with
no dosing, and at any session the therapist marked as the start of a new
series. Cancelled sessions are left out by the caller; a booked session
counts from when it is booked, so a series' baseline is known before its
first dose.

Per instrument:

- the **baseline** of a series is the latest response before the series'
  first dosing session (not the earliest ever); the history keeps every
  series' baseline;
- a response belongs to the series whose first dose is the latest at or
  before it, and is judged against that series' baseline; responses before
  the first dose of the first series belong to none and are judged against
  nothing;
- the **nadir** of a response is the best (lowest) total among the earlier
  responses of its series (from the first dose on), the reference of the
  relapse signal.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

#: More than this without a dosing session, and the next one starts a new series.
SERIES_GAP = timedelta(weeks=8)


@dataclass(frozen=True)
class Series:
    number: int
    first_session_id: uuid.UUID
    first_at: datetime
    last_at: datetime
    marked: bool
    session_times: tuple[datetime, ...]
    #: The dosing sessions' ids, in the order of `session_times`.
    session_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class Row:
    """What the rules need of a response: no answers, no text."""

    id: uuid.UUID
    instrument: str
    completed_at: datetime
    total: int


@dataclass(frozen=True)
class Context:
    """A response's place in its patient's history of one instrument."""

    series: int | None
    baseline_id: uuid.UUID | None
    baseline_total: int | None
    #: The series this response is the baseline of (the next one, for an end-of-series response).
    baseline_of: int | None
    previous_total: int | None
    nadir_total: int | None


def split(sessions: Sequence[tuple[uuid.UUID, datetime]], marked: Iterable[uuid.UUID]) -> list:
    """Dosing sessions `(id, scheduled_at)`, sorted by time, cut into series."""
    marked = set(marked)
    runs: list[list[tuple[uuid.UUID, datetime]]] = []
    for session in sessions:
        session_id, at = session
        if not runs or at - runs[-1][-1][1] > SERIES_GAP or session_id in marked:
            runs.append([])
        runs[-1].append(session)
    return [
        Series(
            number=number,
            first_session_id=run[0][0],
            first_at=run[0][1],
            last_at=run[-1][1],
            marked=run[0][0] in marked and number > 1,
            session_times=tuple(at for _, at in run),
            session_ids=tuple(session_id for session_id, _ in run),
        )
        for number, run in enumerate(runs, start=1)
    ]


def series_at(all_series: Sequence[Series], at: datetime) -> Series | None:
    """The series a moment belongs to: the latest whose first dose is at or before it."""
    current = None
    for one in all_series:
        if one.first_at <= at:
            current = one
    return current


def baselines(rows: Sequence[Row], all_series: Sequence[Series]) -> dict[int, Row]:
    """Series number -> its baseline row, for one instrument's rows sorted by time."""
    found = {}
    for one in all_series:
        before = [row for row in rows if row.completed_at < one.first_at]
        if before:
            found[one.number] = before[-1]
    return found


def contexts(rows: Sequence[Row], all_series: Sequence[Series]) -> dict[uuid.UUID, Context]:
    """Each row's series, baseline, previous total and nadir; one instrument, sorted by time."""
    base = baselines(rows, all_series)
    baseline_of = {row.id: number for number, row in base.items()}
    result = {}
    previous = None
    best: dict[int, int] = {}
    for row in rows:
        one = series_at(all_series, row.completed_at)
        number = one.number if one else None
        baseline = base.get(number) if number else None
        result[row.id] = Context(
            series=number,
            baseline_id=baseline.id if baseline else None,
            baseline_total=baseline.total if baseline else None,
            baseline_of=baseline_of.get(row.id),
            previous_total=previous,
            nadir_total=best.get(number) if number else None,
        )
        previous = row.total
        if number is not None:
            best[number] = min(best.get(number, row.total), row.total)
    return result


def rises_above_nadir(context: Context, total: int, points: int | None) -> bool:
    """The relapse signal: `points` or more above the best score since the series began."""
    return (
        points is not None
        and context.nadir_total is not None
        and (total - context.nadir_total >= points)
    )
