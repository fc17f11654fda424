"""Read marks: which shared item a therapist may mark read, and marking it.

Flushes, never commits: the request commits.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.auth.models import User
from server.clinics.queries import on_care_team
from server.extensions import db
from server.items import visible_to_care_team
from server.readside.items import ITEM_SOURCES
from server.readside.models import ReadMark


def mark_read(
    therapist: User, item_type: str, item_id: uuid.UUID, patient_id: uuid.UUID
) -> tuple[ReadMark, bool]:
    """Mark one shared item read by `therapist`; returns the mark and whether it is new.

    Marking again keeps the first time it was read. Two concurrent marks of
    the same item store one row: the insert runs in a savepoint, and the
    loser reads the winner's row. The caller has checked the item is shared
    and on the therapist's care team (`shared_item_patient`).
    """
    key = (therapist.id, item_type, item_id)
    stored = db.session.get(ReadMark, key)
    if stored is not None:
        return stored, False
    mark = ReadMark(
        therapist_id=therapist.id, item_type=item_type, item_id=item_id, patient_id=patient_id
    )
    try:
        with db.session.begin_nested():
            db.session.add(mark)
    except IntegrityError:
        stored = db.session.get(ReadMark, key, populate_existing=True)
        if stored is None:
            raise
        return stored, False
    return mark, True


def shared_item_patient(therapist: User, item_type: str, item_id: uuid.UUID) -> uuid.UUID | None:
    """The patient of a shared item on `therapist`'s care team, or None; one statement.

    None alike for a missing item, a private one and another care team's,
    so the caller answers them all with the same 404.
    """
    model, _ = ITEM_SOURCES[item_type]
    return db.session.scalar(
        select(model.patient_id).where(
            model.id == item_id,
            visible_to_care_team(model),
            on_care_team(therapist.id, therapist.clinic_id, model.patient_id),
        )
    )
