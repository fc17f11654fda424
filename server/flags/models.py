"""Flags the care team must see.

A flag holds no health data: its kind (and a fixed description per kind)
says what needs attention; the source it points at is shown to a therapist
only while that source is shared.
"""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.db import IdMixin, utcnow
from server.extensions import db

URGENT = "urgent"
WARNING = "warning"

#: kind -> (severity, what a therapist reads). Descriptions never carry a
#: value: the item-9 flag may come from a private response, so it only says
#: that a safety answer needs follow-up.
KINDS = {
    "phq9_item9": (URGENT, "A safety answer needs follow-up."),
    "unsafe_checkin": (URGENT, "A check-in said “I don't feel safe”; it needs follow-up."),
    "phq9_severe": (WARNING, "A shared PHQ-9 is in the severe range (20 or more)."),
    "reliable_worsening": (
        WARNING,
        "A shared questionnaire worsened beyond reliable change since the previous one.",
    ),
    "mood_drop": (WARNING, "A shared check-in's mood dropped sharply below the recent average."),
    "missed_checkins": (WARNING, "No check-in was shared in the 3 days after a dosing session."),
    # Raised by the companion's check after a dose (server/companion): the red
    # one whatever the check's sharing, as a safety answer; the other only
    # from a shared check. Neither names an answer.
    "after_dose_red": (URGENT, "An answer in the check after a dose needs a call today."),
    "after_dose_urinary": (
        WARNING,
        "Bladder symptoms were reported after repeated doses; ask before the next one.",
    ),
}


class Flag(IdMixin, db.Model):
    """Something a therapist must see; kept after acknowledgement, with both times.

    `dedupe_key` names the cause (e.g. `phq9_item9:<response id>`), and is
    unique, so a rule that runs twice for the same cause raises one flag.
    """

    __tablename__ = "flags"
    __table_args__ = (
        Index("ix_flags_clinic_open", "clinic_id", "acknowledged_at"),
        Index("ix_flags_patient_raised", "patient_id", "raised_at"),
        # The flags a list of measure responses raised (brief, history): without
        # it, a seq scan of every clinic's flags (bench/million.py).
        Index("ix_flags_source", "source_type", "source_id"),
    )

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    source_type: Mapped[str | None] = mapped_column(String(32))
    source_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    @property
    def description(self) -> str:
        return KINDS[self.kind][1]
