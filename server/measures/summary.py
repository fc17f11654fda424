"""The caseload's questionnaire columns: each patient's latest scores and the relapse signal.

Per patient, for each questionnaire on their plan (PHQ-9 and GAD-7 by
default, PCL-5 where the therapist switched it on): the latest shared
response with its change from the series' baseline and one marker, and, for
PHQ-9, the relapse signal: the latest score reliable change (6) or more
above the best score since the series began (the nadir), with the days
since the last dose. Shared responses only. Three statements for any
number of patients.
"""

import uuid
from datetime import datetime
from functools import cache

from sqlalchemy import Uuid, any_, bindparam, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased

from server.auth.models import User
from server.care.models import DosingSession
from server.care.queries import last_taken_place
from server.extensions import db
from server.items import visible_to_care_team
from server.measures import outcomes, scoring, trend
from server.measures.criteria import criteria
from server.measures.models import MeasurePlan, MeasureResponse

#: The plan of a patient whose therapist never changed it.
DEFAULT_PLAN = ("phq9", "gad7")


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
    return db.session.connection().execute(statement(dialect), parameters)


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
    """(patient id, questionnaire) -> the latest shared response (id, time, total, answers),
    the first dose of its series (`series_start_id`) and the patient's last dose by `now`
    (`last_dose_at`); one statement.

    Each column is an index probe per patient and questionnaire, however long
    their history: the newest end of `ix_measure_responses_course`, and the
    series' first dose (`trend.series_start_at`, a walk back over the
    sessions of one series).
    """
    rows = _run(_latest_statement, patient_ids=list(patient_ids), now=now)
    return {(row.patient_id, row.instrument): row for row in rows}


@cache
def _latest_statement(dialect: str):
    names = outcomes.instruments()
    instrument = names.c.name
    latest = (
        select(
            User.id.label("patient_id"),
            instrument.label("instrument"),
            outcomes.newest_shared(MeasureResponse.id, instrument).label("id"),
            outcomes.newest_shared(MeasureResponse.completed_at, instrument).label("completed_at"),
            outcomes.newest_shared(MeasureResponse.total, instrument).label("total"),
            outcomes.newest_shared(MeasureResponse.answers, instrument).label("answers"),
        )
        .join_from(User, names, literal(True))
        .where(_one_of(User.id, "patient_ids", dialect))
        # Kept whole (OFFSET 0), so the probes below take its columns as parameters.
        .offset(0)
        .subquery()
    )
    return select(
        latest,
        trend.series_start_at(latest.c.patient_id, latest.c.completed_at)
        .scalar_subquery()
        .label("series_start_id"),
        last_taken_place(DosingSession, latest.c.patient_id, bindparam("now"))
        .scalar_subquery()
        .label("last_dose_at"),
    ).where(latest.c.id.is_not(None))


def _series_ends(session_ids) -> dict[tuple[uuid.UUID, str], tuple]:
    """(first dosing session of a series, questionnaire) -> (baseline total, nadir total).

    The baseline is the latest shared response before the session; the nadir
    the best total from the session on, leaving out the patient's latest
    response, which is judged against it (every other response from the
    session on is earlier than it and in its series).
    """
    rows = _run(_series_ends_statement, session_ids=list(session_ids))
    return {(session_id, name): (base, low) for session_id, name, base, low in rows}


@cache
def _series_ends_statement(dialect: str):
    names = outcomes.instruments()
    baseline = outcomes.baseline_before_dose(names.c.name)
    newer = aliased(MeasureResponse)
    latest_id = (
        select(newer.id)
        .where(
            newer.patient_id == DosingSession.patient_id,
            newer.instrument == names.c.name,
            visible_to_care_team(newer),
        )
        .order_by(newer.completed_at.desc(), newer.id.desc())
        .limit(1)
        .scalar_subquery()
        # Nested in the nadir's subquery: it belongs to each session row, not one.
        .correlate(DosingSession, names)
    )
    nadir = (
        outcomes.shared_of(DosingSession.patient_id, names.c.name)
        .with_only_columns(func.min(MeasureResponse.total))
        .where(MeasureResponse.completed_at >= DosingSession.scheduled_at)
        .where(MeasureResponse.id != latest_id)
        .scalar_subquery()
    )
    return (
        select(DosingSession.id, names.c.name, baseline, nadir)
        .join_from(DosingSession, names, literal(True))
        .where(_one_of(DosingSession.id, "session_ids", dialect))
    )


def latest_scores(patient_ids, now: datetime) -> dict[uuid.UUID, dict]:
    """patient id -> `{"scores": [...], "relapse": {...} | None}`; three statements.

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
    starts = {row.series_start_id for row in latest.values()} - {None}
    ends = _series_ends(starts) if latest else {}
    found = {}
    for patient_id in patient_ids:
        scores, relapse = [], None
        for name in plans.get(patient_id, DEFAULT_PLAN):
            row = latest.get((patient_id, name))
            if row is None:
                continue
            baseline, nadir = ends.get((row.series_start_id, name), (None, None))
            markers = scoring.markers(name, row.answers, row.total, baseline_total=baseline)
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
                name == "phq9"
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
