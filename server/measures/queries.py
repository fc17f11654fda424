"""Reading measure responses with their trend, and what is due; fixed statement counts.

Trend figures follow the contract: the baseline is the first response of an
instrument before the first (non-cancelled) dosing session; a response
marker compares with the baseline, reliable change with the previous
response of the same instrument. For the care team everything is computed
over shared responses only, so no figure a therapist sees depends on a
private response.
"""

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from server import paging
from server.care.models import DosingSession
from server.extensions import db
from server.flags.models import Flag
from server.items import visible_to_care_team
from server.measures import schedule, scoring
from server.measures.models import MeasurePlan, MeasureResponse


def _with_previous(patient_ids: list[uuid.UUID], *, shared_only: bool):
    """Responses of these patients, each with the previous total of its instrument.

    The window function runs over the whole history, so the first row of a
    page still knows the response before it.
    """
    conditions = [MeasureResponse.patient_id.in_(patient_ids)]
    if shared_only:
        conditions.append(visible_to_care_team(MeasureResponse))
    previous = func.lag(MeasureResponse.total).over(
        partition_by=(MeasureResponse.patient_id, MeasureResponse.instrument),
        order_by=(MeasureResponse.completed_at, MeasureResponse.id),
    )
    subquery = select(MeasureResponse, previous.label("previous_total")).where(*conditions)
    subquery = subquery.subquery()
    return aliased(MeasureResponse, subquery), subquery.c.previous_total


def _baselines(
    patient_ids: list[uuid.UUID], *, shared_only: bool
) -> dict[tuple[uuid.UUID, str], int]:
    """(patient, instrument) -> baseline total, in one statement."""
    first_dose = (
        select(func.min(DosingSession.scheduled_at))
        .where(
            DosingSession.patient_id == MeasureResponse.patient_id,
            DosingSession.status != "cancelled",
        )
        .correlate(MeasureResponse)
        .scalar_subquery()
    )
    order = func.row_number().over(
        partition_by=(MeasureResponse.patient_id, MeasureResponse.instrument),
        order_by=(MeasureResponse.completed_at, MeasureResponse.id),
    )
    conditions = [
        MeasureResponse.patient_id.in_(patient_ids),
        or_(first_dose.is_(None), MeasureResponse.completed_at < first_dose),
    ]
    if shared_only:
        conditions.append(visible_to_care_team(MeasureResponse))
    ranked = (
        select(
            MeasureResponse.patient_id,
            MeasureResponse.instrument,
            MeasureResponse.total,
            order.label("position"),
        )
        .where(*conditions)
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.patient_id, ranked.c.instrument, ranked.c.total).where(
            ranked.c.position == 1
        )
    )
    return {(patient_id, instrument): total for patient_id, instrument, total in rows}


def _flag_kinds(response_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Kinds of the flags each response raised, in one statement."""
    kinds: dict[uuid.UUID, list[str]] = defaultdict(list)
    if not response_ids:
        return kinds
    rows = db.session.execute(
        select(Flag.source_id, Flag.kind)
        .where(Flag.source_type == "measure_response", Flag.source_id.in_(response_ids))
        .order_by(Flag.raised_at, Flag.kind)
    )
    for source_id, kind in rows:
        kinds[source_id].append(kind)
    return kinds


def _item(response, previous_total, baseline_total, flags) -> dict:
    return {
        "id": response.id,
        "instrument": response.instrument,
        "answers": list(response.answers),
        "completed_at": response.completed_at,
        "total": response.total,
        "severity": response.severity,
        "subscores": response.subscores,
        "threshold": scoring.threshold(response.instrument, response.total),
        "shared": response.shared,
        "discuss_next_session": response.discuss_next_session,
        "version": response.version,
        "created_at": response.created_at,
        "flags": flags,
        "show_crisis_resources": scoring.safety_answer(response.instrument, response.answers),
        "baseline_total": baseline_total,
        "change_from_baseline": (
            None if baseline_total is None else response.total - baseline_total
        ),
        "markers": scoring.markers(
            response.instrument,
            response.total,
            baseline_total=baseline_total,
            previous_total=previous_total,
        ),
    }


def _items(rows, *, shared_only: bool) -> list[dict]:
    responses = [(response, previous) for response, previous in rows]
    if not responses:
        return []
    patient_ids = list({response.patient_id for response, _ in responses})
    baselines = _baselines(patient_ids, shared_only=shared_only)
    flags = _flag_kinds([response.id for response, _ in responses])
    return [
        _item(
            response,
            previous,
            baselines.get((response.patient_id, response.instrument)),
            flags.get(response.id, []),
        )
        for response, previous in responses
    ]


def history(
    patient_id: uuid.UUID,
    *,
    instrument: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[dict], str | None]:
    """A patient's own responses, newest first, with trend; three statements.

    Private responses are included: this is the patient's own view.
    """
    entity, previous = _with_previous([patient_id], shared_only=False)
    statement = select(entity, previous)
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
    rows = db.session.execute(statement).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = paging.seal([last.completed_at, last.id], f"measure_responses:{patient_id}")
    return _items(rows[:limit], shared_only=False), next_cursor


def response_detail(response: MeasureResponse) -> dict:
    """One response as its owner sees it, with trend and flags; three statements."""
    entity, previous = _with_previous([response.patient_id], shared_only=False)
    rows = db.session.execute(select(entity, previous).where(entity.id == response.id)).all()
    return _items(rows, shared_only=False)[0]


def score_trends(
    patient_ids: list[uuid.UUID],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    instrument: str | None = None,
) -> dict[uuid.UUID, list[dict]]:
    """Shared responses per patient, oldest first, with trend; three statements.

    For the caseload, timeline and brief: baseline, change and markers are
    computed over shared responses only. The caller has checked that the
    reader is on each patient's care team (and audits the read).
    """
    trends: dict[uuid.UUID, list[dict]] = {patient_id: [] for patient_id in patient_ids}
    if not patient_ids:
        return trends
    entity, previous = _with_previous(list(patient_ids), shared_only=True)
    statement = select(entity, previous)
    if since is not None:
        statement = statement.where(entity.completed_at >= since)
    if until is not None:
        statement = statement.where(entity.completed_at < until)
    if instrument:
        statement = statement.where(entity.instrument == instrument)
    statement = statement.order_by(entity.patient_id, entity.completed_at, entity.id)
    rows = db.session.execute(statement).all()
    for (response, _), item in zip(rows, _items(rows, shared_only=True), strict=True):
        trends[response.patient_id].append(item)
    return trends


def previous_shared_total(response: MeasureResponse) -> int | None:
    """The total of the shared response of the same instrument just before this one."""
    return db.session.scalar(
        select(MeasureResponse.total)
        .where(
            MeasureResponse.patient_id == response.patient_id,
            MeasureResponse.instrument == response.instrument,
            visible_to_care_team(MeasureResponse),
            MeasureResponse.id != response.id,
            or_(
                MeasureResponse.completed_at < response.completed_at,
                and_(
                    MeasureResponse.completed_at == response.completed_at,
                    MeasureResponse.id < response.id,
                ),
            ),
        )
        .order_by(MeasureResponse.completed_at.desc(), MeasureResponse.id.desc())
        .limit(1)
    )


def measure_plan(patient_id: uuid.UUID) -> MeasurePlan:
    """The patient's plan; the default plan (not stored) when none was set."""
    plan = db.session.get(MeasurePlan, patient_id)
    if plan is None:
        plan = MeasurePlan(patient_id=patient_id, phq9=True, gad7=True, pcl5=False)
    return plan


def due_measures(patient, now: datetime) -> list[dict]:
    """The questionnaires `patient` should fill now, per their plan; three statements.

    Each item: `instrument`, `reason` (`baseline`, `before_dosing`,
    `weekly`, `monthly`), `due_since` and, for `before_dosing`, the
    `ketamine_session_id`. For the patient's "due" screen and for push
    reminders. See `server.measures.schedule` for the rules.
    """
    plan = measure_plan(patient.id)
    enabled = [name for name in scoring.INSTRUMENTS if getattr(plan, name)]
    if not enabled:
        return []
    sessions = db.session.execute(
        select(DosingSession.id, DosingSession.scheduled_at)
        .where(DosingSession.patient_id == patient.id, DosingSession.status != "cancelled")
        .order_by(DosingSession.scheduled_at, DosingSession.id)
    ).all()
    first_dose = sessions[0][1] if sessions else None
    before_first = (
        func.count(MeasureResponse.id)
        if first_dose is None
        else func.sum(_when(MeasureResponse.completed_at < first_dose))
    )
    answered = {
        name: (latest, bool(baseline_count))
        for name, latest, baseline_count in db.session.execute(
            select(
                MeasureResponse.instrument,
                func.max(MeasureResponse.completed_at),
                before_first,
            )
            .where(
                MeasureResponse.patient_id == patient.id,
                MeasureResponse.instrument.in_(enabled),
            )
            .group_by(MeasureResponse.instrument)
        )
    }
    return schedule.due(
        enabled,
        sessions=[(session_id, at) for session_id, at in sessions],
        answered=answered,
        now=now,
        time_zone=patient.time_zone,
        joined_at=patient.created_at,
        # A plan never saved has no time; PCL-5 switched on later is due from then.
        plan_changed_at=plan.updated_at,
    )


def _when(condition):
    return case((condition, 1), else_=0)
