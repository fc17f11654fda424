"""The caseload's questionnaire columns: each patient's latest scores and the relapse signal.

Per patient, for each questionnaire on their plan (PHQ-9 and GAD-7 by
default, PCL-5 where the therapist switched it on): the latest shared
response with its change from the series' baseline and one marker, and, for
PHQ-9, the relapse signal: the latest score reliable change (6) or more
above the best score since the series began (the nadir), with the days
since the last dose. Shared responses only. Four statements for any
number of patients.
"""

import uuid
from datetime import datetime

from sqlalchemy import select

from server.extensions import db
from server.measures import scoring, series, trend
from server.measures.criteria import criteria
from server.measures.models import MeasurePlan, MeasureResponse

#: The plan of a patient whose therapist never changed it.
DEFAULT_PLAN = ("phq9", "gad7")


def marker_label(markers: dict) -> str | None:
    """The one marker a caseload cell has room for, most telling first."""
    if markers["withheld"] == "safety_item":
        return "item 9 answered above 0"
    if markers["remission"]:
        return "remission"
    if markers["response"]:
        return "response"
    change = markers["change"]
    if change:
        return f"{change['label']}, {change['direction']}"
    return None


def _plans(patient_ids) -> dict[uuid.UUID, tuple[str, ...]]:
    rows = db.session.scalars(select(MeasurePlan).where(MeasurePlan.patient_id.in_(patient_ids)))
    return {
        plan.patient_id: tuple(name for name in scoring.INSTRUMENTS if getattr(plan, name))
        for plan in rows
    }


def latest_scores(patient_ids, now: datetime) -> dict[uuid.UUID, dict]:
    """patient id -> `{"scores": [...], "relapse": {...} | None}`; four statements."""
    patient_ids = list(patient_ids)
    if not patient_ids:
        return {}
    plans = _plans(patient_ids)
    trends = trend.load(patient_ids, shared_only=True)
    latest = {
        (patient_id, name): rows[-1]
        for patient_id, patient_trend in trends.items()
        for name, rows in patient_trend.rows.items()
        if name in plans.get(patient_id, DEFAULT_PLAN)
    }
    answers = dict(
        db.session.execute(
            select(MeasureResponse.id, MeasureResponse.answers).where(
                MeasureResponse.id.in_([row.id for row in latest.values()])
            )
        ).all()
        if latest
        else ()
    )
    found = {}
    for patient_id in patient_ids:
        patient_trend = trends[patient_id]
        scores, relapse = [], None
        for name in plans.get(patient_id, DEFAULT_PLAN):
            row = latest.get((patient_id, name))
            if row is None:
                continue
            context = patient_trend.contexts[row.id]
            baseline = context.baseline_total
            markers = scoring.markers(name, answers[row.id], row.total, baseline_total=baseline)
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
            if name == "phq9" and series.rises_above_nadir(context, row.total, points):
                relapse = {
                    "total": row.total,
                    "nadir_total": context.nadir_total,
                    "days_since_last_dose": _days_since_last_dose(patient_trend, now),
                }
        found[patient_id] = {"scores": scores, "relapse": relapse}
    return found


def _days_since_last_dose(patient_trend, now: datetime) -> int | None:
    doses = [at for one in patient_trend.series for at in one.session_times if at <= now]
    return (now - max(doses)).days if doses else None
