"""Reading flags as a therapist sees them, each list in one statement.

Visibility, decided here once for every reader:
- a therapist sees flags of the patients on their care team only;
- the PHQ-9 item-9 and "I don't feel safe" flags are always seen (they may
  come from a private response or check-in, and then show no source);
- a flag raised from a check-in or a response is seen only while that item
  is shared, so revoking sharing hides it at once, and a private item is
  never even counted;
- flags without an item source (missed check-ins, keyed by the dosing
  session) are always seen.
"""

import uuid
from datetime import datetime

from sqlalchemy import and_, case, false, func, or_, select

from server import paging
from server.auth.models import User
from server.clinics.models import CareTeamMember
from server.extensions import db
from server.flags.models import URGENT, Flag
from server.flags.services import checkin_model
from server.measures.models import MeasureResponse

#: Flag kinds shown whatever the sharing of their source.
ALWAYS_VISIBLE = ("phq9_item9", "unsafe_checkin")
#: Sources that are not patient-written items; the care team sees them anyway.
SCHEDULE_SOURCES = ("ketamine_session",)


def _visible(therapist_id: uuid.UUID | None = None):
    """Flags with their patient, and whether their source may be shown.

    Returns `(statement, source_shown)`: the statement selects
    `Flag, User.display_name` joined to the care team of `therapist_id`
    (any care team when None, for callers that already checked access) and
    filtered by the visibility rules above.
    """
    CheckIn = checkin_model()
    statement = select(Flag, User.display_name).join(User, User.id == Flag.patient_id)
    if therapist_id is not None:
        statement = statement.join(
            CareTeamMember,
            and_(
                CareTeamMember.patient_id == Flag.patient_id,
                CareTeamMember.therapist_id == therapist_id,
            ),
        )
    statement = statement.outerjoin(
        MeasureResponse,
        and_(Flag.source_type == "measure_response", MeasureResponse.id == Flag.source_id),
    )
    response_shared = and_(Flag.source_type == "measure_response", MeasureResponse.shared.is_(True))
    checkin_shared = false()
    if CheckIn is not None:
        statement = statement.outerjoin(
            CheckIn, and_(Flag.source_type == "checkin", CheckIn.id == Flag.source_id)
        )
        # A deleted check-in's row is gone (the journal keeps a tombstone), so
        # the join finds nothing and the flag is hidden with it.
        checkin_shared = and_(Flag.source_type == "checkin", CheckIn.shared.is_(True))
    schedule_source = or_(Flag.source_type.is_(None), Flag.source_type.in_(SCHEDULE_SOURCES))
    source_shown = or_(schedule_source, response_shared, checkin_shared)
    statement = statement.where(or_(Flag.kind.in_(ALWAYS_VISIBLE), source_shown))
    return statement, source_shown


def _row(flag: Flag, display_name: str, source_shown) -> dict:
    return {
        "id": flag.id,
        "patient_id": flag.patient_id,
        "patient_display_name": display_name,
        "kind": flag.kind,
        "severity": flag.severity,
        "description": flag.description,
        "source_type": flag.source_type if source_shown else None,
        "source_id": flag.source_id if source_shown else None,
        "raised_at": flag.raised_at,
        "acknowledged_at": flag.acknowledged_at,
        "acknowledged_by_id": flag.acknowledged_by_id,
    }


def _urgent_count():
    return func.sum(case((Flag.severity == URGENT, 1), else_=0))


def _rank():
    return case((Flag.severity == URGENT, 0), else_=1)


def open_flags(
    therapist: User,
    *,
    patient_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[dict], str | None]:
    """Open flags across `therapist`'s care team, urgent first, newest first; one statement.

    Returns the page's rows and the cursor of the next page (None at the end).
    """
    statement, source_shown = _visible(therapist.id)
    rank = _rank()
    statement = statement.add_columns(source_shown.label("source_shown"), rank.label("rank"))
    statement = statement.where(
        Flag.clinic_id == therapist.clinic_id, Flag.acknowledged_at.is_(None)
    )
    if patient_id is not None:
        statement = statement.where(Flag.patient_id == patient_id)
    if cursor:
        after_rank, after_raised, after_id = paging.open(
            cursor, f"flags:{therapist.id}", int, datetime, uuid.UUID
        )
        statement = statement.where(
            or_(
                rank > after_rank,
                and_(rank == after_rank, Flag.raised_at < after_raised),
                and_(rank == after_rank, Flag.raised_at == after_raised, Flag.id > after_id),
            )
        )
    statement = statement.order_by(rank, Flag.raised_at.desc(), Flag.id).limit(limit + 1)
    rows = db.session.execute(statement).all()
    items = [_row(flag, name, shown) for flag, name, shown, _ in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last_flag, _, _, last_rank = rows[limit - 1]
        next_cursor = paging.seal(
            [last_rank, last_flag.raised_at, last_flag.id], f"flags:{therapist.id}"
        )
    return items, next_cursor


def visible_flag(therapist: User, flag_id: uuid.UUID) -> tuple[Flag, str, bool] | None:
    """`(flag, patient display name, source shown)` if `therapist` may see it; else None.

    Seen means: the flag's clinic and the therapist's are one, the patient is
    on the therapist's care team, and the visibility rules above allow it.
    """
    statement, source_shown = _visible(therapist.id)
    row = db.session.execute(
        statement.add_columns(source_shown).where(
            Flag.id == flag_id, Flag.clinic_id == therapist.clinic_id
        )
    ).first()
    return (row[0], row[1], bool(row[2])) if row else None


def flag_row(flag: Flag, display_name: str, source_shown: bool) -> dict:
    """A flag as the API shows it (no health data; no private source)."""
    return _row(flag, display_name, source_shown)


def open_flag_summary(therapist: User) -> dict[str, int]:
    """How many flags are open across `therapist`'s care team, and how many urgent.

    One statement, under the same visibility as the list, so a private item
    is not counted here either.
    """
    statement, _ = _visible(therapist.id)
    statement = statement.with_only_columns(func.count(Flag.id), _urgent_count()).where(
        Flag.clinic_id == therapist.clinic_id, Flag.acknowledged_at.is_(None)
    )
    total, urgent = db.session.execute(statement).one()
    return {"open": int(total), "urgent": int(urgent or 0)}


def open_flag_counts(patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Open visible flags per patient, `{"total", "urgent"}`, in one statement.

    For the caseload: the caller has already limited `patient_ids` to the
    therapist's care team. Patients without open flags are absent.
    """
    if not patient_ids:
        return {}
    statement, _ = _visible()
    statement = (
        statement.with_only_columns(
            Flag.patient_id,
            func.count(Flag.id),
            _urgent_count(),
        )
        .where(Flag.patient_id.in_(patient_ids), Flag.acknowledged_at.is_(None))
        .group_by(Flag.patient_id)
    )
    return {
        patient_id: {"total": int(total), "urgent": int(urgent or 0)}
        for patient_id, total, urgent in db.session.execute(statement)
    }


def patient_flags(
    patient_ids: list[uuid.UUID],
    *,
    since: datetime | None = None,
    open_only: bool = False,
) -> list[dict]:
    """Visible flags of these patients, urgent first then newest; one statement.

    For the brief and the timeline: open ones, plus (with `since`) those
    raised since then even if acknowledged. The caller has checked that the
    reader is on each patient's care team.
    """
    if not patient_ids:
        return []
    statement, source_shown = _visible()
    statement = statement.add_columns(source_shown.label("source_shown"))
    statement = statement.where(Flag.patient_id.in_(patient_ids))
    if open_only:
        statement = statement.where(Flag.acknowledged_at.is_(None))
    elif since is not None:
        statement = statement.where(or_(Flag.acknowledged_at.is_(None), Flag.raised_at >= since))
    statement = statement.order_by(_rank(), Flag.raised_at.desc(), Flag.id)
    return [_row(flag, name, shown) for flag, name, shown in db.session.execute(statement)]
