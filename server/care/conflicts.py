"""Bookings that clash: a session overlapping another of the same patient, or a
second one of the same kind on the same day.

A clash is refused with a 409 naming the other session (its kind, id, times
and status: no dose, no notes) unless the request says `confirm_overlap`,
because a double booking is nearly always a slip (a double click, two
colleagues booking the same slot) but sometimes meant (a split dose, an
integration session right after a dose at the clinic).

A dosing session occupies its time and the observation after it, so an
integration session in that span overlaps it. Same day is the patient's
local day. Cancelled sessions never clash.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from server.auth.models import User
from server.care.models import DosingSession, IntegrationSession
from server.errors import abort
from server.extensions import db
from server.fields import zone

# Patients are observed for at least two hours after a dose before going home.
DOSING_SPAN = timedelta(hours=2)
CONFLICT_TYPE = "/problems/session-conflict"
KINDS = {DosingSession: "ketamine_session", IntegrationSession: "integration_session"}


@dataclass(frozen=True)
class Booking:
    """What a booking would occupy: which kind, from when, to when."""

    model: type
    starts_at: datetime
    ends_at: datetime
    id: uuid.UUID | None = None


def span(
    model: type,
    scheduled_at: datetime,
    duration_minutes: int | None = None,
    *,
    id: uuid.UUID | None = None,
) -> Booking:
    """The time a session of `model` at `scheduled_at` takes up (`id`: the session moved)."""
    if model is DosingSession:
        return Booking(model, scheduled_at, scheduled_at + DOSING_SPAN, id)
    length = timedelta(minutes=duration_minutes or 0)
    return Booking(model, scheduled_at, scheduled_at + length, id)


def hold_schedule(patient: User) -> None:
    """Lock the patient's row until the request ends (PostgreSQL; SQLite has one writer).

    So two colleagues booking at the same moment are checked one after the
    other, instead of both passing the check before either has written.
    """
    db.session.execute(select(User.id).where(User.id == patient.id).with_for_update())


def check(patient: User, booking: Booking, *, confirmed: bool) -> None:
    """Refuse (409) a booking that clashes with another session, unless confirmed.

    Call `hold_schedule` first.
    """
    found = clashes(patient, booking)
    if found and not confirmed:
        abort(
            409,
            "This patient already has a session at this time or on this day; "
            "send `confirm_overlap: true` to book it anyway.",
            type_=CONFLICT_TYPE,
            title="Session conflict",
            errors={"confirm_overlap": ["Confirm to book despite the other session."]},
            extensions={"conflicts": found},
        )


def clashes(patient: User, booking: Booking) -> list[dict]:
    """The patient's sessions that `booking` overlaps or doubles; two statements."""
    local = zone(patient.time_zone)
    day = booking.starts_at.astimezone(local).date()
    # Wide enough to hold any session on the same local day or overlapping the span.
    since = booking.starts_at - timedelta(days=2)
    until = booking.ends_at + timedelta(days=2)
    found = []
    for model in (DosingSession, IntegrationSession):
        rows = db.session.scalars(
            select(model)
            .where(
                model.patient_id == patient.id,
                model.status != "cancelled",
                model.scheduled_at >= since,
                model.scheduled_at < until,
            )
            .order_by(model.scheduled_at, model.id)
        )
        for row in rows:
            if row.id == booking.id:
                continue
            other = span(model, row.scheduled_at, getattr(row, "duration_minutes", None))
            overlaps = other.starts_at < booking.ends_at and booking.starts_at < other.ends_at
            same_day = model is booking.model and row.scheduled_at.astimezone(local).date() == day
            if overlaps or same_day:
                found.append(
                    {
                        "kind": KINDS[model],
                        "id": str(row.id),
                        "scheduled_at": row.scheduled_at.isoformat(),
                        "ends_at": other.ends_at.isoformat(),
                        "status": row.status,
                        "reason": "overlaps" if overlaps else "same_day",
                    }
                )
    return found
