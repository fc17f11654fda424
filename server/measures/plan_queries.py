"""What the therapist's measure-plan screen and item tables show; fixed statement counts.

Everything here is over shared responses only: a private response is not
even counted (a row, a baseline or a nadir from it would reveal it exists).
"""

import uuid
from datetime import datetime

from sqlalchemy import select

from server.extensions import db
from server.items import visible_to_care_team
from server.measures import queries, scoring, series, trend
from server.measures.models import MeasureResponse


def _baselines(one: series.Series, trend_of_patient: trend.PatientTrend) -> list[dict]:
    found = []
    for instrument in scoring.INSTRUMENTS:
        rows = trend_of_patient.rows.get(instrument, [])
        row = series.baselines(rows, [one]).get(one.number)
        if row is not None:
            found.append(
                {
                    "instrument": instrument,
                    "response_id": row.id,
                    "completed_at": row.completed_at,
                    "total": row.total,
                }
            )
    return found


def plan_view(patient, now: datetime) -> dict:
    """The plan, what is due now and why, and each series with its baselines.

    Seven statements: the plan, the due list's three, and the shared trend's two
    (sessions with marks, light response columns).
    """
    plan = queries.measure_plan(patient.id)
    due = queries.due_measures(patient, now)
    patient_trend = trend.load([patient.id], shared_only=True)[patient.id]
    doses = [at for one in patient_trend.series for at in one.session_times if at <= now]
    return {
        "patient_id": patient.id,
        "display_name": patient.display_name,
        **{name: getattr(plan, name) for name in scoring.INSTRUMENTS},
        **{f"{name}_asked_at": getattr(plan, f"{name}_asked_at") for name in scoring.INSTRUMENTS},
        "index_event": plan.index_event,
        "updated_at": plan.updated_at,
        "due": due,
        "days_since_last_dose": (now - max(doses)).days if doses else None,
        "series": [
            {
                "number": one.number,
                "first_ketamine_session_id": one.first_session_id,
                "first_at": one.first_at,
                "last_at": one.last_at,
                "dosing_sessions": len(one.session_times),
                "sessions": [
                    {"id": session_id, "scheduled_at": at}
                    for session_id, at in zip(one.session_ids, one.session_times, strict=True)
                ],
                "marked": one.marked,
                "baselines": _baselines(one, patient_trend),
            }
            for one in patient_trend.series
        ],
    }


def item_table(patient_id: uuid.UUID, instrument: str, limit: int) -> dict:
    """Every shared response of one instrument (rows) by item (columns), oldest first.

    The latest `limit` responses; each row marks the items whose answer
    changed since the row before it, and carries the difficulty item, the
    PCL-5 cluster sums and the DSM-5 provisional rule. Four statements.
    """
    published = scoring.definition(instrument)
    statement = (
        select(MeasureResponse)
        .where(
            MeasureResponse.patient_id == patient_id,
            MeasureResponse.instrument == instrument,
            visible_to_care_team(MeasureResponse),
        )
        .order_by(MeasureResponse.completed_at.desc(), MeasureResponse.id.desc())
        .limit(limit + 1)
    )
    newest_first = db.session.scalars(statement).all()
    # One row more than shown, so the oldest shown row knows what changed.
    responses = list(reversed(newest_first))
    items = queries.detailed_items(responses[-limit:]) if responses else []
    before = responses[0].answers if len(responses) > limit else None
    rows = []
    for item in items:
        changed = []
        if before is not None:
            pairs = enumerate(zip(before, item["answers"], strict=True), start=1)
            changed = [number for number, (was, now) in pairs if was != now]
        rows.append({**item, "changed": changed})
        before = item["answers"]
    followup = published.get("unscored_followup")
    return {
        "instrument": instrument,
        "name": published["name"],
        "items": [{"number": n, "text": text} for n, text in enumerate(published["items"], 1)],
        "options": published["options"],
        "difficulty_options": followup["options"] if followup else None,
        "clusters": published.get("clusters", {}),
        "rows": rows,
    }
