"""Flags the care team must see, and each clinic's crisis resources.

A flag holds no health data: its kind (and a fixed description per kind)
says what needs attention; the source it points at is shown to a therapist
only while that source is shared.
"""

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.crypto import EncryptedText
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
        "A shared questionnaire worsened by its reliable (PHQ-9, GAD-7) or clinically "
        "meaningful (PCL-5) change against the baseline, the best score or the previous one.",
    ),
    "relapse_signal": (
        WARNING,
        "A shared PHQ-9 rose by reliable change above the best score since the series "
        "began; a booster may be worth discussing.",
    ),
    "mood_drop": (
        WARNING,
        "A shared check-in's mood dropped well below the patient's usual range.",
    ),
    "low_mood": (WARNING, "Three shared check-ins in a row had a mood of 2 or below."),
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

#: What a therapist records on acknowledging a flag, in the order offered.
OUTCOMES = {
    "contacted_patient": "Contacted the patient",
    "reviewed_at_session": "Reviewed at session",
    "safety_plan_reviewed": "Safety plan reviewed",
    "no_action_needed": "No action needed",
    "other": "Other",
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
    # When the source was written (the response's or check-in's own time);
    # shown only while the source is.
    source_at: Mapped[datetime | None]
    # Repeats while open (`server.flags.services.raise_or_repeat`): how many
    # causes this flag stands for, the latest of them and when it came.
    occurrences: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    latest_source_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    last_seen_at: Mapped[datetime | None]
    # The level a repeat is judged against: item 9's answer (1-3), a PHQ-9
    # total for the severe flag; None where a kind has no levels.
    level: Mapped[int | None] = mapped_column(Integer)
    escalated_at: Mapped[datetime | None]
    # What the acknowledging therapist did (OUTCOMES) and their optional note.
    outcome: Mapped[str | None] = mapped_column(String(32))
    note_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    note = EncryptedText("note_ciphertext")

    @property
    def description(self) -> str:
        return KINDS[self.kind][1]


class FlagSettings(db.Model):
    """A clinic's flag settings; without a row the defaults apply."""

    __tablename__ = "clinic_flag_settings"

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True
    )
    # An urgent flag open this long is escalated to the admins and care team.
    escalate_after_hours: Mapped[int] = mapped_column(Integer, default=24)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class DeletionNotice(IdMixin, db.Model):
    """A therapist told that a patient with open flags deleted their account.

    Kept 30 days (`NOTICE_DAYS`), then removed by the worker's sweep. Holds
    no health data and no link to the deleted account: the name the
    therapist knew (encrypted), when, how many open flags of each kind (only
    those the therapist could see), and the booked sessions that went.
    """

    __tablename__ = "flag_deletion_notices"

    therapist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    patient_name_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    patient_name = EncryptedText("patient_name_ciphertext")
    deleted_at: Mapped[datetime]
    # {"phq9_item9": 1, ...}
    open_flags: Mapped[dict] = mapped_column(JSON)
    # [{"kind": "dosing_session" | "integration_session", "scheduled_at": iso}]
    sessions: Mapped[list] = mapped_column(JSON)


NOTICE_DAYS = 30
