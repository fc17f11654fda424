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
from collections import defaultdict
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from server import paging
from server.auth.models import User
from server.care.models import DosingSession
from server.care.queries import last_taken_place
from server.clinics.queries import on_care_team
from server.extensions import db
from server.flags.models import URGENT, Flag
from server.flags.services import ITEM9_INDEX
from server.items import visible_to_care_team
from server.journal.models import CheckIn
from server.measures import scoring
from server.measures.models import MeasureResponse

#: Flag kinds shown whatever the sharing of their source.
ALWAYS_VISIBLE = ("phq9_item9", "unsafe_checkin")
#: Sources that are not patient-written items; the care team sees them anyway.
SCHEDULE_SOURCES = ("ketamine_session",)


def source_shown() -> ColumnElement[bool]:
    """SQL: a flag's source may be named to the care team.

    A flag with no item source or a schedule source, or one raised from a
    check-in or a response the care team may see (`visible_to_care_team`).
    Written with EXISTS, each flag's source is one primary-key probe. A
    deleted check-in's row is gone (the journal keeps a tombstone), so the
    probe finds nothing and the flag is hidden with it.
    """
    # Aliased, so the probe never correlates with a join of the same table
    # in the statement it is put in (`_with_details` joins the response).
    item_sources = (("measure_response", MeasureResponse), ("checkin", CheckIn))
    sources = [(kind, aliased(model, name=f"shown_{kind}")) for kind, model in item_sources]
    return or_(
        Flag.source_type.is_(None),
        Flag.source_type.in_(SCHEDULE_SOURCES),
        *(
            and_(
                Flag.source_type == source_type,
                exists().where(source.id == Flag.source_id, visible_to_care_team(source)),
            )
            for source_type, source in sources
        ),
    )


def flag_visible() -> ColumnElement[bool]:
    """SQL: the care team may see this flag (by the rules above).

    Whether the reader is on the patient's care team is the caller's part:
    `server.clinics.queries.on_care_team`, as `_visible(therapist)` does.
    """
    return or_(Flag.kind.in_(ALWAYS_VISIBLE), source_shown())


def _visible(therapist: User | None = None):
    """Flags with their patient, and whether their sources may be shown.

    Returns `(statement, source_shown)`: the statement selects
    `Flag, User.display_name`, limited to `therapist`'s clinic and care team
    (any when None, for callers that already checked access) and to the
    flags the care team may see. `_with_details` adds what a row shows of
    its sources.
    """
    statement = select(Flag, User.display_name).join(User, User.id == Flag.patient_id)
    if therapist is not None:
        statement = statement.where(
            Flag.clinic_id == therapist.clinic_id,
            on_care_team(therapist.id, therapist.clinic_id, Flag.patient_id),
        )
    return statement.where(flag_visible()), source_shown()


def _with_details(statement, source_shown):
    """Add `source_shown`, `latest_shown` and the raising response's answers to each row.

    The latest source of a repeated flag is shown only while it is shared,
    like the first; the answers are read only to say the item-9 level, and
    only of a shared response.
    """
    statement = statement.outerjoin(
        MeasureResponse,
        and_(Flag.source_type == "measure_response", MeasureResponse.id == Flag.source_id),
    )
    latest_response = aliased(MeasureResponse)
    statement = statement.outerjoin(
        latest_response,
        and_(Flag.source_type == "measure_response", latest_response.id == Flag.latest_source_id),
    )
    latest_checkin = aliased(CheckIn)
    statement = statement.outerjoin(
        latest_checkin,
        and_(Flag.source_type == "checkin", latest_checkin.id == Flag.latest_source_id),
    )
    latest_shown = or_(
        and_(Flag.source_type == "measure_response", visible_to_care_team(latest_response)),
        and_(Flag.source_type == "checkin", visible_to_care_team(latest_checkin)),
    )
    schedule_source = or_(Flag.source_type.is_(None), Flag.source_type.in_(SCHEDULE_SOURCES))
    return statement.add_columns(
        source_shown.label("source_shown"),
        or_(schedule_source, latest_shown).label("latest_shown"),
        MeasureResponse.instrument.label("instrument"),
        MeasureResponse.answers.label("answers"),
        _last_dose_before_source().label("last_dose_at"),
    )


#: Kinds that say how long after the last dose they came: a booster question.
DOSE_TIMED = ("relapse_signal",)


def _last_dose_before_source():
    """SQL: for a relapse flag, the patient's last dosing session (not cancelled)
    at or before the raising response; one index probe per such flag, NULL otherwise."""
    last = last_taken_place(DosingSession, Flag.patient_id, Flag.source_at).scalar_subquery()
    return case((Flag.kind.in_(DOSE_TIMED), last))


def item9_words(level: int | None) -> str | None:
    """PHQ-9's own words for an item-9 answer ("several days", ...); None for none."""
    if not level:
        return None
    return scoring.definition("phq9")["options"][level]["label"].lower()


def _row(row, *, with_note: bool = False, care_team: bool = True) -> dict:
    """A flag as the API shows it: no health data, and nothing of a private source.

    Outside the care team (`care_team=False`: an admin reading escalated
    flags) nothing of the sources either, shared or not: which response or
    check-in, when, and the item-9 answer are for the clinicians.
    """
    flag, display_name = row[0], row[1]
    shown = care_team and bool(row.source_shown)
    latest_shown = care_team and bool(row.latest_shown)
    level = None
    if shown and row.instrument == "phq9" and row.answers:
        level = int(row.answers[ITEM9_INDEX])
    days_since_dose = None
    if shown and row.last_dose_at is not None:
        days_since_dose = (flag.source_at - row.last_dose_at).days
    return {
        "id": flag.id,
        "patient_id": flag.patient_id,
        "patient_display_name": display_name,
        "kind": flag.kind,
        "severity": flag.severity,
        "description": flag.description,
        "source_type": flag.source_type if shown else None,
        "source_id": flag.source_id if shown else None,
        "source_at": flag.source_at if shown else None,
        "item9_level": level,
        "item9_words": item9_words(level),
        "days_since_last_dose": days_since_dose,
        "occurrences": flag.occurrences,
        "latest_source_id": flag.latest_source_id if latest_shown else None,
        "last_seen_at": flag.last_seen_at if latest_shown else None,
        "raised_at": flag.raised_at,
        "escalated_at": flag.escalated_at,
        "acknowledged_at": flag.acknowledged_at,
        "acknowledged_by_id": flag.acknowledged_by_id,
        "outcome": flag.outcome,
        "note": flag.note if with_note else None,
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
    if therapist.role == "admin":
        # An admin is on no care team: they see their clinic's escalated flags.
        statement, source_shown = _visible()
        statement = statement.where(Flag.escalated_at.is_not(None))
    else:
        statement, source_shown = _visible(therapist)
    rank = _rank()
    statement = _with_details(statement, source_shown).add_columns(rank.label("rank"))
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
    care_team = therapist.role != "admin"
    items = [_row(row, care_team=care_team) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last_flag, last_rank = rows[limit - 1][0], rows[limit - 1].rank
        next_cursor = paging.seal(
            [last_rank, last_flag.raised_at, last_flag.id], f"flags:{therapist.id}"
        )
    return items, next_cursor


def visible_flag(therapist: User, flag_id: uuid.UUID) -> Flag | None:
    """The flag if `therapist` may see it; else None.

    Seen means: the flag's clinic and the therapist's are one, the patient is
    on the therapist's care team, and the visibility rules above allow it.
    """
    statement, _ = _visible(therapist)
    row = db.session.execute(
        statement.where(Flag.id == flag_id, Flag.clinic_id == therapist.clinic_id)
    ).first()
    return row[0] if row else None


def flag_row(therapist: User, flag_id: uuid.UUID) -> dict:
    """One flag `therapist` may see, as the API shows it, with its note; one statement."""
    statement, source_shown = _visible(therapist)
    statement = _with_details(statement, source_shown)
    row = db.session.execute(
        statement.where(Flag.id == flag_id, Flag.clinic_id == therapist.clinic_id)
    ).one()
    return _row(row, with_note=True)


def visible_open_kinds(patient_id: uuid.UUID) -> list[str]:
    """The kinds of a patient's open flags the care team can see, one per flag."""
    statement, _ = _visible()
    return list(
        db.session.scalars(
            statement.with_only_columns(Flag.kind).where(
                Flag.patient_id == patient_id, Flag.acknowledged_at.is_(None)
            )
        )
    )


def open_flag_summary(therapist: User) -> dict[str, int]:
    """How many flags are open across `therapist`'s care team, and how many urgent.

    One statement, under the same visibility as the list, so a private item
    is not counted here either.
    """
    if therapist.role == "admin":
        statement, _ = _visible()
        statement = statement.where(Flag.escalated_at.is_not(None))
    else:
        statement, _ = _visible(therapist)
    statement = statement.with_only_columns(func.count(Flag.id), _urgent_count()).where(
        Flag.clinic_id == therapist.clinic_id, Flag.acknowledged_at.is_(None)
    )
    total, urgent = db.session.execute(statement).one()
    return {"open": int(total), "urgent": int(urgent or 0)}


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
    statement = _with_details(statement, source_shown)
    statement = statement.where(Flag.patient_id.in_(patient_ids))
    if open_only:
        statement = statement.where(Flag.acknowledged_at.is_(None))
    elif since is not None:
        statement = statement.where(or_(Flag.acknowledged_at.is_(None), Flag.raised_at >= since))
    statement = statement.order_by(_rank(), Flag.raised_at.desc(), Flag.id)
    return [_row(row, with_note=True) for row in db.session.execute(statement)]


def acknowledged_since(patient_ids: list[uuid.UUID], since: datetime | None) -> list[dict]:
    """Visible flags of these patients acknowledged since `since` (all when None); one statement.

    For the brief's "Acknowledged since the last session": newest
    acknowledgement first, each with its outcome and note.
    """
    if not patient_ids:
        return []
    statement, source_shown = _visible()
    statement = _with_details(statement, source_shown).where(
        Flag.patient_id.in_(patient_ids), Flag.acknowledged_at.is_not(None)
    )
    if since is not None:
        statement = statement.where(Flag.acknowledged_at >= since)
    statement = statement.order_by(Flag.acknowledged_at.desc(), Flag.id)
    return [_row(row, with_note=True) for row in db.session.execute(statement)]


def measure_flag_kinds(response_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Kinds of the flags each questionnaire response raised, in one statement."""
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
