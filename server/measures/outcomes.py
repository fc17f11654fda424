"""Outcomes across a clinic, per questionnaire, for its admin: counts only, no patient named.

Per instrument: `started` (patients with a baseline: a response before a
treatment series' first dose), `followed_up` (of those, patients with a
later response in a series that has a baseline), and `responded` and
`remitted` (of those, patients whose latest such response shows response or
remission by `server.measures.scoring.markers`, the same judgement the
caseload and charts show). Each rate comes with its numerator and
denominator. Shared responses only, as everywhere staff see scores: a
private response is not counted. Three statements for any clinic size.

Only two responses per patient and questionnaire decide the report, so only
those are read (the series rules of `server.measures.series` stay in Python):

- the latest: when its series has a baseline it is the latest response in
  such a series (every earlier response is then in that series or an
  earlier one); when it has none, no response does (all of them are in it);
- that series' baseline, the latest response before its first dose.

A patient has a baseline in some series exactly when their earliest response
is before the first dose of their last series.
"""

import csv
import io
import uuid

from flask import Response
from sqlalchemy import literal, select, union_all

from server.auth.models import User
from server.care.models import DosingSession
from server.extensions import db
from server.items import visible_to_care_team
from server.measures import scoring, series, trend
from server.measures.criteria import criteria
from server.measures.models import MeasureResponse

NEWEST_FIRST = (MeasureResponse.completed_at.desc(), MeasureResponse.id.desc())


def instruments():
    """The questionnaires as a one-column table (`name`), to pair each patient with each."""
    each = [select(literal(name).label("name")) for name in scoring.INSTRUMENTS]
    return union_all(*each).subquery()


def shared_of(patient_id, instrument):
    """Shared responses of one patient to one questionnaire, as a correlated statement's
    WHERE: an index probe on (patient_id, completed_at) per patient, not a scan."""
    return select(MeasureResponse.id).where(
        MeasureResponse.patient_id == patient_id,
        MeasureResponse.instrument == instrument,
        visible_to_care_team(MeasureResponse),
    )


def newest_shared(column, instrument, patient_id=User.id):
    """`column` of the outer query's patient's (`patient_id`) newest shared response to
    `instrument`, as a correlated scalar subquery: one probe of the index's newest end."""
    return (
        shared_of(patient_id, instrument)
        .with_only_columns(column)
        .order_by(*NEWEST_FIRST)
        .limit(1)
        .scalar_subquery()
    )


def baseline_before(patient_id, instrument, first_dose_at):
    """The total of the patient's latest shared response to `instrument` before a series'
    first dose: that series' baseline (columns of the outer query, correlated)."""
    return (
        shared_of(patient_id, instrument)
        .with_only_columns(MeasureResponse.total)
        .where(MeasureResponse.completed_at < first_dose_at)
        .order_by(*NEWEST_FIRST)
        .limit(1)
        .scalar_subquery()
    )


def _courses(clinic_id: uuid.UUID) -> list:
    """Per patient of the clinic and questionnaire: the latest shared response (time,
    total, answers) and the earliest's time; None where the patient has none.

    Each column is a probe of `ix_measure_responses_course` at one end of the
    patient's responses to that questionnaire, so the statement costs a few
    index steps per patient, however long their history.
    """
    names = instruments()
    instrument = names.c.name

    earliest = (
        shared_of(User.id, instrument)
        .with_only_columns(MeasureResponse.completed_at)
        .order_by(MeasureResponse.completed_at)
        .limit(1)
        .scalar_subquery()
    )
    courses = (
        select(
            User.id.label("patient_id"),
            instrument.label("instrument"),
            newest_shared(MeasureResponse.completed_at, instrument).label("completed_at"),
            newest_shared(MeasureResponse.total, instrument).label("total"),
            newest_shared(MeasureResponse.answers, instrument).label("answers"),
            earliest.label("first_at"),
        )
        .join_from(User, names, literal(True))
        .where(User.clinic_id == clinic_id, User.role == "patient")
        .subquery()
    )
    return db.session.execute(select(courses).where(courses.c.completed_at.is_not(None))).all()


def _sessions(clinic_id: uuid.UUID) -> dict[uuid.UUID, list]:
    """`trend.sessions_by_patient` for every patient of the clinic, without naming them."""
    in_clinic = select(User.id).where(User.clinic_id == clinic_id, User.role == "patient")
    return trend.sessions_by_patient(in_clinic)


def _baselines(session_ids) -> dict[tuple[uuid.UUID, str], int]:
    """(dosing session id, questionnaire) -> total of the latest shared response before it."""
    if not session_ids:
        return {}
    names = instruments()
    rows = db.session.execute(
        select(
            DosingSession.id,
            names.c.name,
            baseline_before(DosingSession.patient_id, names.c.name, DosingSession.scheduled_at),
        )
        .join_from(DosingSession, names, literal(True))
        .where(DosingSession.id.in_(session_ids))
    )
    return {(session_id, name): total for session_id, name, total in rows if total is not None}


def outcomes(clinic_id: uuid.UUID) -> list[dict]:
    courses = _courses(clinic_id)
    series_of = {
        patient_id: trend.split(sessions) for patient_id, sessions in _sessions(clinic_id).items()
    }
    started = dict.fromkeys(scoring.INSTRUMENTS, 0)
    followed = []  # (latest response, the first dose of its series)
    for row in courses:
        runs = series_of.get(row.patient_id)
        if row.instrument not in started or not runs or row.first_at >= runs[-1].first_at:
            continue
        started[row.instrument] += 1
        current = series.series_at(runs, row.completed_at)
        if current is not None and row.first_at < current.first_at:
            followed.append((row, current.first_session_id))
    baselines = _baselines({session_id for _, session_id in followed})
    judged = {name: [] for name in scoring.INSTRUMENTS}
    for row, session_id in followed:
        baseline_total = baselines[(session_id, row.instrument)]
        judged[row.instrument].append(
            scoring.markers(row.instrument, row.answers, row.total, baseline_total=baseline_total)
        )
    return [_row(name, started[name], judged[name]) for name in scoring.INSTRUMENTS]


def _row(name: str, started: int, markers: list[dict]) -> dict:
    followed = len(markers)
    responded = sum(bool(m["response"]) for m in markers)
    remitted = sum(bool(m["remission"]) for m in markers)
    judged = criteria(name).response_drop_percent is not None
    return {
        "instrument": name,
        "started": started,
        "followed_up": followed,
        # PCL-5's data defines no response or remission: none, not zero.
        "responded": responded if judged else None,
        "remitted": remitted if judged else None,
        "response_rate": _rate(responded, followed) if judged else None,
        "remission_rate": _rate(remitted, followed) if judged else None,
    }


def _rate(count: int, out_of: int) -> float | None:
    return None if out_of == 0 else round(count / out_of, 3)


CSV_COLUMNS = (
    "instrument",
    "started",
    "followed_up",
    "responded",
    "remitted",
    "response_rate",
    "remission_rate",
)


def as_csv(rows: list[dict]) -> Response:
    """The report as CSV (the csv module quotes whatever needs it); a download."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if row[key] is None else row[key] for key in CSV_COLUMNS})
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="outcomes.csv"'},
    )
