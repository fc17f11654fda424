"""Which dosing sessions an integration session follows.

The therapist names them by id. Each must be a dosing session of the same
patient, not cancelled, at or before the integration session; anything
else is a 422 naming the list entry, with the same words whether the id is
unknown or another patient's, so an id reveals nothing.
"""

import uuid
from datetime import datetime

from sqlalchemy import select

from server.auth.models import User
from server.care.models import DosingSession, IntegrationSession
from server.errors import abort
from server.extensions import db

FIELD = "follows_ketamine_session_ids"


def doses_followed(
    patient: User, ids: list[uuid.UUID], at: datetime, *, field: str = FIELD
) -> list[DosingSession]:
    """The dosing sessions `ids` names, checked for an integration session at `at`."""
    if not ids:
        return []
    found = {
        dose.id: dose
        for dose in db.session.scalars(
            select(DosingSession).where(
                DosingSession.id.in_(ids), DosingSession.patient_id == patient.id
            )
        )
    }
    errors = {}
    for index, dose_id in enumerate(ids):
        dose = found.get(dose_id)
        if dose is None:
            errors[f"{field}.{index}"] = ["Not one of this patient's dosing sessions."]
        elif dose.status == "cancelled":
            errors[f"{field}.{index}"] = ["This dosing session is cancelled."]
        elif dose.scheduled_at > at:
            errors[f"{field}.{index}"] = ["Comes after this integration session."]
    if errors:
        abort(422, "Some dosing sessions cannot be linked; see errors.", errors=errors)
    return sorted(found.values(), key=lambda dose: (dose.scheduled_at, dose.id))


def follows_ids(session: IntegrationSession) -> list[uuid.UUID]:
    return [dose.id for dose in session.follows]


def check_still_before(session: IntegrationSession, at: datetime) -> None:
    """Moving an integration session before a dose it follows is refused (422)."""
    if any(dose.scheduled_at > at for dose in session.follows):
        abort(
            422,
            "A dosing session this one follows would come after it; unlink it first.",
            errors={"scheduled_at": ["Before a dosing session it follows."]},
        )
