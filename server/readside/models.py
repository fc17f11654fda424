"""What each therapist has read of the items their patients shared.

A read mark holds identifiers and a time, no content. Marks are per
therapist: two therapists on one care team each keep their own unread count.
"""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.db import utcnow
from server.extensions import db

#: The kinds of shared item a therapist can mark read.
ITEM_TYPES = ("checkin", "entry", "measure_response")


class ReadMark(db.Model):
    """A therapist has read one shared item.

    The primary key leads with the therapist, so "is this item read by me"
    (every timeline row, every unread count) is one index probe. `item_id`
    has no foreign key because it points into one of three tables; the
    patient's column has one, so deleting an account removes its marks too.
    A mark stays when the patient later unshares the item: the item is then
    invisible, and the mark reveals nothing about it.
    """

    __tablename__ = "read_marks"
    __table_args__ = (
        CheckConstraint(
            "item_type IN (" + ", ".join(repr(kind) for kind in ITEM_TYPES) + ")",
            name="item_type",
        ),
    )

    therapist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    item_type: Mapped[str] = mapped_column(String(24), primary_key=True)
    item_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
