"""The companion's tables: a clinic's preparation checklist, the patient's
ticks, intentions and what the patient wrote back about them, and the check
after each dose.

Free text (an intention, a reflection) is encrypted at rest, bound to its
table, column and row id. The check after a dose holds only choices.
"""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from server.crypto import EncryptedText
from server.db import utcnow
from server.extensions import db
from server.journal.models import PatientItem

#: Longest intention and longest reflection, in characters: an intention is short.
INTENTION_MAX = 600
REFLECTION_MAX = 4000


class ClinicChecklist(db.Model):
    """A clinic's own preparation checklist; without a row the built-in one applies.

    `items` is `[{"key", "text", "home_only"}]` in the order shown. The
    support-person item is added to every home session whatever the clinic
    sets (`checklist.items_for`).
    """

    __tablename__ = "clinic_checklists"

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True
    )
    items: Mapped[list[dict]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class ChecklistTick(db.Model):
    """One item of a dosing session's checklist that the patient has ticked."""

    __tablename__ = "checklist_ticks"

    ketamine_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ketamine_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    item_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    ticked_at: Mapped[datetime] = mapped_column(default=utcnow)


class WrittenText:
    """A text the patient wrote, at a local time; stored only encrypted."""

    written_at: Mapped[datetime]
    written_offset_minutes: Mapped[int] = mapped_column(SmallInteger, default=0)
    body_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    body = EncryptedText("body_ciphertext")

    @property
    def written_at_local(self) -> datetime:
        return self.as_local(self.written_at, self.written_offset_minutes)


class Intention(WrittenText, PatientItem, db.Model):
    """What the patient hopes to bring to one dosing session; one per session."""

    __tablename__ = "intentions"
    __table_args__ = (Index("ix_intentions_patient_written", "patient_id", "written_at"),)
    kind = "intention"

    ketamine_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ketamine_sessions.id", ondelete="CASCADE"), unique=True
    )


class IntentionReflection(WrittenText, PatientItem, db.Model):
    """What the patient wrote back, in the days after the dose, about an intention."""

    __tablename__ = "intention_reflections"
    __table_args__ = (Index("ix_intention_reflections_intention", "intention_id", "written_at"),)
    kind = "intention_reflection"

    intention_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intentions.id", ondelete="CASCADE"))


class AfterDoseCheck(PatientItem, db.Model):
    """The short check the morning after a dose: choices only, one per dosing session.

    `answers` holds the form's choices (see `after_dose.QUESTIONS`), validated
    by the schema; `alerts` the reasons the answers raised, as
    `after_dose.assess` judged them when the check was stored.
    """

    __tablename__ = "after_dose_checks"
    __table_args__ = (Index("ix_after_dose_checks_patient_answered", "patient_id", "answered_at"),)
    kind = "after_dose_check"

    ketamine_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ketamine_sessions.id", ondelete="CASCADE"), unique=True
    )
    answered_at: Mapped[datetime]
    answered_offset_minutes: Mapped[int] = mapped_column(SmallInteger, default=0)
    answers: Mapped[dict] = mapped_column(JSON)
    alerts: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Whether the answers came in red; kept as a column so a list can show it cheaply.
    red: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def answered_at_local(self) -> datetime:
        return self.as_local(self.answered_at, self.answered_offset_minutes)
