"""Loading what the series rules need, for many patients in two statements.

`load` reads the patients' dosing sessions (with the therapist's series
marks) and the light columns of their responses (no answers), and returns
per patient the series and each response's `series.Context`. For the care
team only shared responses count, so no figure a therapist sees depends on
a private response.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, Subquery, exists, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import FunctionElement

from server.care.models import DosingSession
from server.db import UTCDateTime
from server.extensions import db
from server.items import visible_to_care_team
from server.measures import series
from server.measures.models import MeasureResponse, SeriesStart


@dataclass
class PatientTrend:
    series: list = field(default_factory=list)
    #: instrument -> rows sorted by time
    rows: dict = field(default_factory=lambda: defaultdict(list))
    #: response id -> Context
    contexts: dict = field(default_factory=dict)


def sessions_by_patient(patient_ids) -> dict[uuid.UUID, list]:
    """Non-cancelled dosing sessions per patient, `(id, scheduled_at, marked)`, by time.

    `patient_ids` is a list, or a statement selecting them (a whole clinic's,
    without binding thousands of ids); then a patient with none is no key.
    """
    chosen = patient_ids if isinstance(patient_ids, Select) else list(patient_ids)
    found: dict[uuid.UUID, list] = {} if isinstance(chosen, Select) else {p: [] for p in chosen}
    if not isinstance(chosen, Select) and not chosen:
        return found
    statement = (
        select(
            DosingSession.patient_id,
            DosingSession.id,
            DosingSession.scheduled_at,
            SeriesStart.ketamine_session_id,
        )
        .outerjoin(SeriesStart, SeriesStart.ketamine_session_id == DosingSession.id)
        .where(DosingSession.patient_id.in_(chosen), DosingSession.status != "cancelled")
        .order_by(DosingSession.patient_id, DosingSession.scheduled_at, DosingSession.id)
    )
    for patient_id, session_id, at, mark in db.session.execute(statement):
        found.setdefault(patient_id, []).append((session_id, at, mark is not None))
    return found


def split(sessions: list) -> list[series.Series]:
    """`sessions_by_patient`'s list for one patient, cut into series."""
    return series.split(
        [(session_id, at) for session_id, at, _ in sessions],
        [session_id for session_id, _, marked in sessions if marked],
    )


def load(
    patient_ids, *, shared_only: bool, instrument: str | None = None
) -> dict[uuid.UUID, PatientTrend]:
    """Series and response contexts per patient; two statements."""
    patient_ids = list(patient_ids)
    trends = {patient_id: PatientTrend() for patient_id in patient_ids}
    if not patient_ids:
        return trends
    for patient_id, sessions in sessions_by_patient(patient_ids).items():
        trends[patient_id].series = split(sessions)
    conditions = [MeasureResponse.patient_id.in_(patient_ids)]
    if shared_only:
        conditions.append(visible_to_care_team(MeasureResponse))
    if instrument:
        conditions.append(MeasureResponse.instrument == instrument)
    statement = (
        select(
            MeasureResponse.patient_id,
            MeasureResponse.id,
            MeasureResponse.instrument,
            MeasureResponse.completed_at,
            MeasureResponse.total,
        )
        .where(*conditions)
        .order_by(MeasureResponse.completed_at, MeasureResponse.id)
    )
    for patient_id, response_id, name, completed_at, total in db.session.execute(statement):
        trends[patient_id].rows[name].append(series.Row(response_id, name, completed_at, total))
    for trend in trends.values():
        for rows in trend.rows.values():
            trend.contexts.update(series.contexts(rows, trend.series))
    return trends


def context_of(response: MeasureResponse, *, shared_only: bool) -> series.Context:
    """One response's context among its patient's responses of the same instrument."""
    trend = load([response.patient_id], shared_only=shared_only, instrument=response.instrument)
    empty = series.Context(None, None, None, None, None, None)
    return trend[response.patient_id].contexts.get(response.id, empty)


class _gap_before(FunctionElement):
    """A time less `series.SERIES_GAP`, exactly, on either database."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(_gap_before, "postgresql")
def _gap_before_postgresql(element, compiler, **kw):
    # Seconds, not days: a day of an interval follows the session's time zone.
    seconds = int(series.SERIES_GAP.total_seconds())
    return f"({compiler.process(element.clauses, **kw)} - interval '{seconds} seconds')"


@compiles(_gap_before, "sqlite")
def _gap_before_sqlite(element, compiler, **kw):
    # Times are stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): shift the whole
    # seconds and keep the fraction, so a comparison stays exact to the microsecond.
    column = compiler.process(element.clauses, **kw)
    seconds = int(series.SERIES_GAP.total_seconds())
    shifted = f"strftime('%Y-%m-%d %H:%M:%S', {column}, '-{seconds} seconds')"
    return f"({shifted} || substr({column}, 20))"


def _starts_series(session) -> ColumnElement[bool]:
    """`series.split`'s rule as SQL: a non-cancelled dosing session `session` (an alias)
    starts a series when it is marked, or when no earlier non-cancelled session of its
    patient (by time, then id, the order `split` is given) lies within `SERIES_GAP`."""
    earlier = aliased(DosingSession)
    return or_(
        exists().where(SeriesStart.ketamine_session_id == session.id),
        ~exists().where(
            earlier.patient_id == session.patient_id,
            earlier.status != "cancelled",
            # One index range, [time less the gap, time]; ties go by id.
            earlier.scheduled_at >= _gap_before(session.scheduled_at),
            earlier.scheduled_at <= session.scheduled_at,
            or_(earlier.scheduled_at < session.scheduled_at, earlier.id < session.id),
        ),
    )


def series_start_at(patient_id, at) -> Select:
    """The first dosing session (its id) of the series a moment `at` belongs to, as
    `series.series_at(split(...), at)` finds it; `patient_id` and `at` may be columns,
    for a correlated subquery. None before the patient's first dose.

    An index walk back from `at` over the patient's sessions, each probed for a
    mark and a predecessor: it reads the sessions of one series, not a history.
    """
    session = aliased(DosingSession)
    return (
        select(session.id)
        .where(
            session.patient_id == patient_id,
            session.status != "cancelled",
            session.scheduled_at <= at,
            _starts_series(session),
        )
        .order_by(session.scheduled_at.desc(), session.id.desc())
        .limit(1)
    )


def series_starts_at(patient_condition, at) -> Subquery:
    """Per patient, the first dosing session (`id`, `scheduled_at`) of the series `at` belongs
    to, as `series_start_at` finds it, for many patients in one pass; `patient_condition`
    maps a patient id column to the condition choosing the patients. A patient with no
    dose by `at` has no row.

    Each session's predecessor comes from LAG over the patient's sessions in time
    order, rather than a probe per step of a walk back: a session starts a series
    when it is marked or its predecessor is more than `SERIES_GAP` before it.
    """
    previous_at = func.lag(DosingSession.scheduled_at).over(
        partition_by=DosingSession.patient_id,
        order_by=(DosingSession.scheduled_at, DosingSession.id),
    )
    sessions = (
        select(
            DosingSession.patient_id,
            DosingSession.id,
            DosingSession.scheduled_at,
            previous_at.label("previous_at"),
            SeriesStart.ketamine_session_id.label("mark"),
        )
        .outerjoin(SeriesStart, SeriesStart.ketamine_session_id == DosingSession.id)
        .where(
            patient_condition(DosingSession.patient_id),
            DosingSession.status != "cancelled",
            DosingSession.scheduled_at <= at,
        )
        .subquery()
    )
    newest_first = func.row_number().over(
        partition_by=sessions.c.patient_id,
        order_by=(sessions.c.scheduled_at.desc(), sessions.c.id.desc()),
    )
    starts = (
        select(
            sessions.c.patient_id,
            sessions.c.id,
            sessions.c.scheduled_at,
            newest_first.label("newest_first"),
        )
        .where(
            or_(
                sessions.c.mark.is_not(None),
                sessions.c.previous_at.is_(None),
                sessions.c.previous_at < _gap_before(sessions.c.scheduled_at),
            )
        )
        .subquery()
    )
    return (
        select(starts.c.patient_id, starts.c.id, starts.c.scheduled_at)
        .where(starts.c.newest_first == 1)
        .subquery()
    )
