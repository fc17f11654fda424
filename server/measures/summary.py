"""The caseload's questionnaire columns: each patient's latest scores and the relapse signal.

Per patient, for each questionnaire on their plan (PHQ-9 and GAD-7 by
default, PCL-5 where the therapist switched it on): the latest shared
response with its change from the series' baseline and one marker, and, for
PHQ-9, the relapse signal: the latest score reliable change (6) or more
above the best score since the series began (the nadir), with the days
since the last dose. Shared responses only. Two statements for any
number of patients.
"""

import uuid
from datetime import datetime
from functools import cache

from sqlalchemy import Uuid, and_, any_, bindparam, case, func, literal, select
from sqlalchemy.dialects import postgresql

from server.auth.models import User
from server.care.models import DosingSession
from server.care.queries import last_taken_place
from server.extensions import db
from server.measures import outcomes, scoring, trend
from server.measures.criteria import criteria
from server.measures.models import MeasurePlan, MeasureResponse

#: The plan of a patient whose therapist never changed it.
DEFAULT_PLAN = ("phq9", "gad7")

#: The questionnaire whose rise above its nadir is the relapse signal.
RELAPSE_INSTRUMENT = "phq9"


def marker_label(markers: dict) -> str | None:
    """The one marker a caseload cell has room for, most telling first."""
    if markers["withheld"] == "safety_item":
        # The answer itself, in the PHQ-9's words, instead of response or remission.
        options = scoring.definition("phq9")["options"]
        return f"item 9: {options[markers['safety_item_answer']]['label'].lower()}"
    if markers["remission"]:
        return "remission"
    if markers["response"]:
        return "response"
    change = markers["change"]
    if change:
        return f"{change['label']}, {change['direction']}"
    return None


def _plans(patient_ids) -> dict[uuid.UUID, tuple[str, ...]]:
    rows = _run(_plans_statement, patient_ids=list(patient_ids))
    return {
        patient_id: tuple(name for name, on in zip(scoring.INSTRUMENTS, chosen, strict=True) if on)
        for patient_id, *chosen in rows
    }


# The statements are composed once per database (`functools.cache`), the ids
# and the time bound as parameters: composing them on each request cost the
# caseload more CPU than running them.


def _run(statement, **parameters):
    dialect = db.session.get_bind().dialect.name
    return db.session.connection().execute(statement(dialect), parameters).all()


def _one_of(column, name: str, dialect: str):
    """`column` is one of the ids bound as `name`."""
    # On PostgreSQL one array parameter: listed one by one, 200 ids made each
    # statement too long for psycopg's cache of parsed queries.
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(Uuid())))
    return column.in_(bindparam(name, expanding=True))


@cache
def _plans_statement(dialect: str):
    columns = [getattr(MeasurePlan, name) for name in scoring.INSTRUMENTS]
    return select(MeasurePlan.patient_id, *columns).where(
        _one_of(MeasurePlan.patient_id, "patient_ids", dialect)
    )


def _latest(patient_ids, now: datetime) -> dict[tuple[uuid.UUID, str], object]:
    """(patient id, questionnaire) -> the latest shared response (time, total, the safety
    item's answer), its series' baseline and nadir (`baseline_total`, `nadir_total`) and
    the patient's last dose by `now` (`last_dose_at`); one statement.

    Per patient and questionnaire one probe of the newest end of
    `ix_measure_responses_course` and primary-key reads. The first dose of
    each patient's series under way at `now` comes from one pass over their
    dosing sessions (`trend.series_starts_at`): a response between that dose
    and `now` is in that series. Only a response older than the current
    series walks back to its own first dose (`trend.series_start_at`).
    """
    rows = _run(_latest_statement, patient_ids=list(patient_ids), now=now)
    return {(row.patient_id, row.instrument): row for row in rows}


@cache
def _latest_statement(dialect: str):
    now = bindparam("now", type_=DosingSession.scheduled_at.type)
    names = outcomes.instruments()
    current = trend.series_starts_at(lambda column: _one_of(column, "patient_ids", dialect), now)
    patients = (
        select(
            User.id.label("patient_id"),
            current.c.id.label("start_id"),
            current.c.scheduled_at.label("start_at"),
            last_taken_place(DosingSession, User.id, now).scalar_subquery().label("last_dose_at"),
        )
        .outerjoin(current, current.c.patient_id == User.id)
        .where(_one_of(User.id, "patient_ids", dialect))
        .offset(0)
        .subquery()
    )
    newest = outcomes.newest_shared(MeasureResponse.id, names.c.name, patients.c.patient_id)
    latest = (
        select(patients, names.c.name.label("instrument"), newest.label("id"))
        .join_from(patients, names, literal(True))
        .offset(0)
        .subquery()
    )
    # Each further column is read by primary key, per row: joined instead, the
    # planner hashes the whole table of responses.
    response = _by_key(MeasureResponse, latest.c.id)
    # Of the answers, a cell needs only the safety item's (PHQ-9's item 9).
    safety_answer = case(
        *(
            (
                latest.c.instrument == name,
                response(MeasureResponse.answers[scoring.safety_item(name) - 1].as_integer()),
            )
            for name in scoring.INSTRUMENTS
            if scoring.safety_item(name)
        )
    )
    responses = (
        select(
            latest,
            response(MeasureResponse.completed_at).label("completed_at"),
            response(MeasureResponse.total).label("total"),
            safety_answer.label("safety_answer"),
        )
        .where(latest.c.id.is_not(None))
        .offset(0)
        .subquery()
    )
    at = responses.c.completed_at
    series_start_id = case(
        (and_(at >= responses.c.start_at, at <= now), responses.c.start_id),
        else_=trend.series_start_at(responses.c.patient_id, at).scalar_subquery(),
    )
    starts = select(responses, series_start_id.label("series_start_id")).offset(0).subquery()
    start_at = _by_key(DosingSession, starts.c.series_start_id)(DosingSession.scheduled_at)
    scored = select(starts, start_at.label("series_start_at")).offset(0).subquery()
    baseline = outcomes.baseline_before(
        scored.c.patient_id, scored.c.instrument, scored.c.series_start_at
    )
    # Its nadir: the best total from the first dose on, the latest response
    # left out (it is the one judged against it; every other one from the
    # dose on is earlier, so in its series). PHQ-9 only: the relapse signal.
    nadir = (
        outcomes.shared_of(scored.c.patient_id, scored.c.instrument)
        .with_only_columns(func.min(MeasureResponse.total))
        .where(
            MeasureResponse.completed_at >= scored.c.series_start_at,
            MeasureResponse.id != scored.c.id,
        )
        .scalar_subquery()
    )
    return select(
        *(
            scored.c[name]
            for name in (
                "patient_id",
                "instrument",
                "completed_at",
                "total",
                "safety_answer",
                "last_dose_at",
            )
        ),
        baseline.label("baseline_total"),
        case((scored.c.instrument == RELAPSE_INSTRUMENT, nadir)).label("nadir_total"),
    )


def _by_key(model, key):
    """A column of the `model` row whose primary key is `key`, as a scalar subquery."""
    return lambda column: select(column).where(model.id == key).scalar_subquery()


def latest_scores(patient_ids, now: datetime) -> dict[uuid.UUID, dict]:
    """patient id -> `{"scores": [...], "relapse": {...} | None}`; two statements.

    Only what the cells show is read: each questionnaire's latest response,
    its series' baseline and nadir, not a patient's whole history nor their
    dosing sessions (the series' first dose is found in SQL by
    `trend.series_start_at`, which tests hold equal to `series.split`).
    """
    patient_ids = list(patient_ids)
    if not patient_ids:
        return {}
    plans = _plans(patient_ids)
    latest = {
        key: row
        for key, row in _latest(patient_ids, now).items()
        if key[1] in plans.get(key[0], DEFAULT_PLAN)
    }
    found = {}
    for patient_id in patient_ids:
        scores, relapse = [], None
        for name in plans.get(patient_id, DEFAULT_PLAN):
            row = latest.get((patient_id, name))
            if row is None:
                continue
            baseline, nadir = row.baseline_total, row.nadir_total
            markers = scoring.judge(
                name,
                row.total,
                baseline_total=baseline,
                safety_answer=row.safety_answer or None,
            )
            scores.append(
                {
                    "instrument": name,
                    "total": row.total,
                    "completed_at": row.completed_at,
                    "baseline_total": baseline,
                    "change_from_baseline": None if baseline is None else row.total - baseline,
                    "marker": marker_label(markers),
                }
            )
            points = criteria(name).reliable_change
            if (
                name == RELAPSE_INSTRUMENT
                and points is not None
                and nadir is not None
                and row.total - nadir >= points
            ):
                relapse = {
                    "total": row.total,
                    "nadir_total": nadir,
                    "days_since_last_dose": None
                    if row.last_dose_at is None
                    else (now - row.last_dose_at).days,
                }
        found[patient_id] = {"scores": scores, "relapse": relapse}
    return found
