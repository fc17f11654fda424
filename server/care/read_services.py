"""Marking shared items read. Flushes, never commits: the request commits."""

import uuid

from sqlalchemy.exc import IntegrityError

from server.auth.models import User
from server.care.read_models import ReadMark
from server.extensions import db


def mark_read(
    therapist: User, item_type: str, item_id: uuid.UUID, patient_id: uuid.UUID
) -> tuple[ReadMark, bool]:
    """Mark one shared item read by `therapist`; returns the mark and whether it is new.

    Marking again keeps the first time it was read. Two concurrent marks of
    the same item store one row: the insert runs in a savepoint, and the
    loser reads the winner's row. The caller has checked the item is shared
    and on the therapist's care team (`readside.shared_item_patient`).
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
