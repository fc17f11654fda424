"""Reading measure responses with their trend, and what is due; fixed statement counts.

Trend figures follow the contract (`server.measures.series`): each response
is judged against the baseline of its treatment series (the latest response
before the series' first dosing session), and carries the previous total
and the nadir of its series. For the care team everything is computed over
shared responses only, so no figure a therapist sees depends on a private
response.
"""

import uuid
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, func, or_, select

from server import paging
from server.extensions import db
from server.items import visible_to_care_team
from server.measures import schedule, scoring, series, trend
from server.measures.models import MeasurePlan, MeasureResponse

#: Which flags each response raised: the flags feature's query. Flags reads
#: measures, so measures does not import flags; flags hands it over when the
#: app is assembled (`server.flags.receivers.init_app`).
_FLAG_KINDS = "between.measures.flag_kinds"


def provide_flag_kinds(app, kinds_of) -> None:
    """`kinds_of(response_ids)` -> {response id: [flag kinds]}, in one statement."""
    app.extensions[_FLAG_KINDS] = kinds_of


def _flag_kinds(response_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    kinds_of = current_app.extensions.get(_FLAG_KINDS)
    if not response_ids or kinds_of is None:
        return {}
    return kinds_of(response_ids)


def _item(response, context: series.Context, flags) -> dict:
    baseline_total = context.baseline_total
    return {
        "id": response.id,
        "instrument": response.instrument,
        "answers": list(response.answers),
        "difficulty": response.difficulty,
        "completed_at": response.completed_at,
        "total": response.total,
        "severity": response.severity,
        "subscores": response.subscores,
        "provisional_diagnosis": scoring.provisional_diagnosis(
            response.instrument, response.answers
        ),
        "threshold": scoring.threshold(response.instrument, response.total),
        "shared": response.shared,
        "discuss_next_session": response.discuss_next_session,
        "version": response.version,
        "created_at": response.created_at,
        "flags": flags,
        "show_crisis_resources": scoring.safety_answer(response.instrument, response.answers),
        "series": context.series,
        "baseline_of_series": context.baseline_of,
        "baseline_total": baseline_total,
        "previous_total": context.previous_total,
        "nadir_total": context.nadir_total,
        "change_from_baseline": (
            None if baseline_total is None else response.total - baseline_total
        ),
        "markers": scoring.markers(
            response.instrument,
            response.answers,
            response.total,
            baseline_total=baseline_total,
        ),
    }


_NO_CONTEXT = series.Context(None, None, None, None, None, None)


def _items(responses, *, shared_only: bool) -> list[dict]:
    """Responses with their series context and flags; three statements."""
    if not responses:
        return []
    trends = trend.load({response.patient_id for response in responses}, shared_only=shared_only)
    flags = _flag_kinds([response.id for response in responses])
    return [
        _item(
            response,
            trends[response.patient_id].contexts.get(response.id, _NO_CONTEXT),
            flags.get(response.id, []),
        )
        for response in responses
    ]


def detailed_items(responses, *, shared_only: bool = True) -> list[dict]:
    """Responses as the care team sees them (over shared responses); three statements."""
    return _items(responses, shared_only=shared_only)


def history(
    patient_id: uuid.UUID,
    *,
    instrument: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[dict], str | None]:
    """A patient's own responses, newest first, with trend; four statements.

    Private responses are included: this is the patient's own view.
    """
    entity = MeasureResponse
    statement = select(entity).where(entity.patient_id == patient_id)
    if instrument:
        statement = statement.where(entity.instrument == instrument)
    if cursor:
        after_at, after_id = paging.open(
            cursor, f"measure_responses:{patient_id}", datetime, uuid.UUID
        )
        statement = statement.where(
            or_(
                entity.completed_at < after_at,
                and_(entity.completed_at == after_at, entity.id < after_id),
            )
        )
    statement = statement.order_by(entity.completed_at.desc(), entity.id.desc()).limit(limit + 1)
    rows = db.session.scalars(statement).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = paging.seal([last.completed_at, last.id], f"measure_responses:{patient_id}")
    return _items(rows[:limit], shared_only=False), next_cursor


def response_detail(response: MeasureResponse) -> dict:
    """One response as its owner sees it, with trend and flags; three statements."""
    return _items([response], shared_only=False)[0]


def score_trends(
    patient_ids: list[uuid.UUID],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    instrument: str | None = None,
) -> dict[uuid.UUID, list[dict]]:
    """Shared responses per patient, oldest first, with trend; four statements.

    For the caseload, timeline and brief: baseline, change and markers are
    computed over shared responses only. The caller has checked that the
    reader is on each patient's care team (and audits the read).
    """
    trends: dict[uuid.UUID, list[dict]] = {patient_id: [] for patient_id in patient_ids}
    if not patient_ids:
        return trends
    entity = MeasureResponse
    statement = select(entity).where(
        entity.patient_id.in_(list(patient_ids)), visible_to_care_team(entity)
    )
    if since is not None:
        statement = statement.where(entity.completed_at >= since)
    if until is not None:
        statement = statement.where(entity.completed_at < until)
    if instrument:
        statement = statement.where(entity.instrument == instrument)
    statement = statement.order_by(entity.patient_id, entity.completed_at, entity.id)
    rows = db.session.scalars(statement).all()
    for response, item in zip(rows, _items(rows, shared_only=True), strict=True):
        trends[response.patient_id].append(item)
    return trends


def measure_plan(patient_id: uuid.UUID) -> MeasurePlan:
    """The patient's plan; the default plan (not stored) when none was set."""
    plan = db.session.get(MeasurePlan, patient_id)
    if plan is None:
        plan = MeasurePlan(patient_id=patient_id, phq9=True, gad7=True, pcl5=False)
    return plan


def due_measures(patient, now: datetime) -> list[dict]:
    """The questionnaires `patient` should fill now, per their plan; four statements.

    Each item: `instrument`, `reason` (`asked`, `baseline`, `end_of_series`,
    `every_two_weeks`, `monthly`), `reason_text` (why, in the patient's
    words), `due_since` and, for a baseline or end of series, the
    `ketamine_session_id` it belongs to. For the patient's "due" screen and
    for push reminders. See `server.measures.schedule` for the rules.
    """
    plan = measure_plan(patient.id)
    enabled = [name for name in scoring.INSTRUMENTS if getattr(plan, name)]
    if not enabled:
        return []
    sessions = trend.sessions_by_patient([patient.id])[patient.id]
    latest = dict(
        db.session.execute(
            select(MeasureResponse.instrument, func.max(MeasureResponse.completed_at))
            .where(
                MeasureResponse.patient_id == patient.id,
                MeasureResponse.instrument.in_(enabled),
            )
            .group_by(MeasureResponse.instrument)
        ).all()
    )
    return schedule.due(
        enabled,
        all_series=trend.split(sessions),
        sessions=[(session_id, at) for session_id, at, _ in sessions],
        latest=latest,
        asked={name: getattr(plan, f"{name}_asked_at") for name in scoring.INSTRUMENTS},
        now=now,
        time_zone=patient.time_zone,
        joined_at=patient.created_at,
        # A plan never saved has no time; PCL-5 switched on later is due from then.
        plan_changed_at=plan.updated_at,
    )
