"""Read-side questions about the schedule, for this and other features.

"Has happened" means not cancelled and at or before the given time: a
scheduled session whose time has passed counts, since therapists do not
always mark sessions completed. "Next" means still scheduled and after it.
Every function runs one statement.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from server import paging
from server.care.models import DosingSession, IntegrationSession
from server.extensions import db

Session = DosingSession | IntegrationSession


@dataclass
class Page:
    items: list
    next_cursor: str | None


def sessions_page(
    model: type[Session],
    patient_id: uuid.UUID,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """A patient's sessions of one kind, oldest first, cancelled ones included.

    Cancelled sessions stay listed (marked by their status) so a patient sees
    that a booked session was called off rather than finding it gone.
    """
    query = select(model).where(model.patient_id == patient_id)
    if since is not None:
        query = query.where(model.scheduled_at >= since)
    if until is not None:
        query = query.where(model.scheduled_at < until)
    bound_to = f"{model.__tablename__}:{patient_id}"
    if cursor:
        after_at, after_id = paging.open(cursor, bound_to, datetime, uuid.UUID)
        query = query.where(
            or_(
                model.scheduled_at > after_at,
                and_(model.scheduled_at == after_at, model.id > after_id),
            )
        )
    if model is IntegrationSession:
        # The dosing sessions each one follows, for the whole page in one more statement.
        query = query.options(selectinload(IntegrationSession.follows))
    rows = list(db.session.scalars(query.order_by(model.scheduled_at, model.id).limit(limit + 1)))
    if len(rows) <= limit:
        return Page(rows, None)
    last = rows[limit - 1]
    return Page(rows[:limit], paging.seal([last.scheduled_at, last.id], bound_to))


def schedule_for(patient_id: uuid.UUID) -> tuple[list[DosingSession], list[IntegrationSession]]:
    """All of a patient's dosing and integration sessions, each oldest first (two statements)."""
    return (
        list(
            db.session.scalars(
                select(DosingSession)
                .where(DosingSession.patient_id == patient_id)
                .order_by(DosingSession.scheduled_at, DosingSession.id)
            )
        ),
        list(
            db.session.scalars(
                select(IntegrationSession)
                .where(IntegrationSession.patient_id == patient_id)
                .order_by(IntegrationSession.scheduled_at, IntegrationSession.id)
            )
        ),
    )


def last_integration_session_before(
    patient_id: uuid.UUID, at: datetime
) -> IntegrationSession | None:
    """The latest integration session that has happened by `at`: where "since" starts."""
    return db.session.scalar(latest_first(IntegrationSession, patient_id, at).limit(1))


def latest_dosing_session_before(patient_id: uuid.UUID, at: datetime) -> DosingSession | None:
    """The dosing session that a journal entry written at `at` follows, if any."""
    return db.session.scalar(latest_first(DosingSession, patient_id, at).limit(1))


def next_ketamine_session(patient_id: uuid.UUID, at: datetime) -> DosingSession | None:
    """The first dosing session still scheduled after `at`."""
    return _next(DosingSession, patient_id, at)


def next_integration_session(patient_id: uuid.UUID, at: datetime) -> IntegrationSession | None:
    """The first integration session still scheduled after `at`."""
    return _next(IntegrationSession, patient_id, at)


def next_sessions_for(
    model: type[Session], patient_ids: Iterable[uuid.UUID], at: datetime
) -> dict[uuid.UUID, Session]:
    """Each patient's next scheduled session of one kind, in one statement (caseload)."""
    return _one_each(model, list(patient_ids), _upcoming(model, at), func.min)


def last_sessions_before(
    model: type[Session], patient_ids: Iterable[uuid.UUID], at: datetime
) -> dict[uuid.UUID, Session]:
    """Each patient's latest session of one kind that has happened by `at`, in one statement."""
    return _one_each(model, list(patient_ids), _happened(model, at), func.max)


def _one_each(model, patient_ids, candidates: Select, pick) -> dict[uuid.UUID, Session]:
    if not patient_ids:
        return {}
    # The candidate with the smallest (or largest) time per patient; a tie at
    # the same instant is broken by id so each patient gets exactly one row.
    ranked = candidates.where(model.patient_id.in_(patient_ids)).subquery()
    best = (
        select(ranked.c.patient_id, pick(ranked.c.scheduled_at).label("scheduled_at"))
        .group_by(ranked.c.patient_id)
        .subquery()
    )
    chosen = aliased(model, ranked)
    rows = db.session.scalars(
        select(chosen)
        .join(
            best,
            and_(
                best.c.patient_id == chosen.patient_id,
                best.c.scheduled_at == chosen.scheduled_at,
            ),
        )
        .order_by(chosen.id)
    )
    found: dict[uuid.UUID, Session] = {}
    for row in rows:
        found.setdefault(row.patient_id, row)
    return found


def took_place(model: type[Session], at) -> ColumnElement[bool]:
    """A session of `model` that took place by `at`: not cancelled, scheduled at or before."""
    return and_(model.status != "cancelled", model.scheduled_at <= at)


def latest_first(model: type[Session], patient_id, at, *columns) -> Select:
    """A patient's sessions of `model` that took place by `at` (or these columns of them),
    the latest first; `patient_id` may be a column, for a correlated subquery."""
    return (
        select(*columns or [model])
        .where(model.patient_id == patient_id, took_place(model, at))
        .order_by(model.scheduled_at.desc(), model.id.desc())
    )


def last_taken_place(model: type[Session], patient_id, at) -> Select:
    """When the patient's latest session of `model` by `at` took place (a max; `patient_id`
    may be a column, for a correlated subquery)."""
    return select(func.max(model.scheduled_at)).where(
        model.patient_id == patient_id, took_place(model, at)
    )


def _happened(model: type[Session], at: datetime) -> Select:
    return select(model).where(took_place(model, at))


def _next(model: type[Session], patient_id: uuid.UUID, at: datetime) -> Session | None:
    return db.session.scalar(
        _upcoming(model, at)
        .where(model.patient_id == patient_id)
        .order_by(model.scheduled_at, model.id)
        .limit(1)
    )


def _upcoming(model: type[Session], at: datetime) -> Select:
    return select(model).where(model.status == "scheduled", model.scheduled_at > at)
