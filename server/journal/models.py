"""Check-ins, journal entries, prompts and assignments.

Free text (a check-in's note, an entry's body) is stored only encrypted,
bound to its table, column and row id (`server.crypto.EncryptedText`), so
the `id` of a row is always set before its text.

`version` is the optimistic-concurrency counter a client sends back with an
edit. The ORM also checks it in the UPDATE (`version_id_col`), so of two
racing edits of the same version only one is written.
"""

import json
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from server.crypto import EncryptedText
from server.db import CreatedMixin, IdMixin, utcnow
from server.extensions import db

#: Feeling words a check-in may carry, grouped by energy and pleasantness (a
#: mood meter's four corners); a fixed list, so the PWA offers them as chips
#: (pwa/js/feelings.js holds the same groups) and the therapist reads the same
#: words across patients. It includes words people use after ketamine
#: (floaty, disconnected, tender, open, raw, clear).
FEELINGS = {
    "energised and pleasant": (
        "joyful",
        "hopeful",
        "curious",
        "excited",
        "inspired",
        "alive",
        "playful",
        "proud",
    ),
    "calm and pleasant": (
        "calm",
        "peaceful",
        "grateful",
        "content",
        "relieved",
        "loving",
        "connected",
        "open",
        "tender",
        "clear",
        "floaty",
    ),
    "low energy and unpleasant": (
        "tired",
        "numb",
        "sad",
        "grieving",
        "lonely",
        "disconnected",
        "empty",
        "ashamed",
        "confused",
        "foggy",
    ),
    "energised and unpleasant": (
        "anxious",
        "afraid",
        "restless",
        "irritable",
        "angry",
        "overwhelmed",
        "raw",
        "on edge",
    ),
}
EMOTIONS = tuple(word for words in FEELINGS.values() for word in words)

#: A patient's own tags on a check-in (an activity, a person, a place): at most
#: this many, each at most TAG_MAX characters.
TAGS_MAX = 10
TAG_MAX = 40

PHASES = ("preparation", "dosing_day", "early_integration", "integration")
THEMES = (
    "intention",
    "body",
    "emotion",
    "insight",
    "relationships",
    "meaning",
    "commitment",
    # Practical safety (lingering dissociation, the ride home, cravings, warning
    # signs) and three domains of integration models: spiritual, nature, identity.
    "safety",
    "spiritual",
    "nature",
    "identity",
)

#: Longest note on a check-in and longest entry body, in characters.
NOTE_MAX = 4000
BODY_MAX = 20000


def _in_range(column: str, low: int = 0, high: int = 10) -> str:
    return f"{column} IS NULL OR ({column} >= {low} AND {column} <= {high})"


class LocalTimeMixin:
    """Keeps the UTC offset the patient's device sent beside a UTC instant.

    The API answers with the time as the patient lived it ("21:40 at home"),
    which a UTC instant alone cannot give back after a move or a DST change.
    """

    @staticmethod
    def offset_minutes(at: datetime) -> int:
        return int(at.utcoffset().total_seconds() // 60)

    @staticmethod
    def as_local(at: datetime, offset_minutes: int) -> datetime:
        return at.astimezone(timezone(timedelta(minutes=offset_minutes)))


class PatientItem(IdMixin, CreatedMixin, LocalTimeMixin):
    """What every patient-created journal item carries: owner, sharing, version."""

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    shared: Mapped[bool] = mapped_column(Boolean)
    discuss_next_session: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


class CheckIn(PatientItem, db.Model):
    """A short mood check-in; mood alone is a complete one."""

    __tablename__ = "checkins"
    __table_args__ = (
        Index("ix_checkins_patient_recorded", "patient_id", "recorded_at"),
        CheckConstraint(_in_range("mood"), name="mood"),
        CheckConstraint(_in_range("anxiety"), name="anxiety"),
        CheckConstraint(_in_range("energy"), name="energy"),
        CheckConstraint(_in_range("sleep_quality"), name="sleep_quality"),
        CheckConstraint("version >= 1", name="version"),
    )
    kind = "checkin"

    recorded_at: Mapped[datetime]
    recorded_offset_minutes: Mapped[int] = mapped_column(SmallInteger, default=0)
    # What the phone said when its clock ran ahead (recorded_at is then the
    # server's time of arrival; server.fields.clamp_device_time).
    device_time: Mapped[datetime | None]
    mood: Mapped[int] = mapped_column(SmallInteger)
    anxiety: Mapped[int | None] = mapped_column(SmallInteger)
    energy: Mapped[int | None] = mapped_column(SmallInteger)
    sleep_quality: Mapped[int | None] = mapped_column(SmallInteger)
    emotions: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: "I don't feel safe": an urgent flag even when private (server/flags).
    unsafe: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    note_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    note = EncryptedText("note_ciphertext")
    # The patient's own words ("walk", "mum"), so encrypted like the note: a
    # JSON list sealed as one text.
    tags_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    tags_text = EncryptedText("tags_ciphertext")

    @property
    def tags(self) -> list[str]:
        text = self.tags_text
        return json.loads(text) if text else []

    @tags.setter
    def tags(self, values: list[str]) -> None:
        self.tags_text = json.dumps(list(values)) if values else None

    @property
    def recorded_at_local(self) -> datetime:
        return self.as_local(self.recorded_at, self.recorded_offset_minutes)


class JournalEntry(PatientItem, db.Model):
    """Free writing, optionally answering a prompt, linked to the dosing session it follows."""

    __tablename__ = "journal_entries"
    __table_args__ = (
        Index("ix_journal_entries_patient_written", "patient_id", "written_at"),
        CheckConstraint("version >= 1", name="version"),
    )
    kind = "entry"

    written_at: Mapped[datetime]
    written_offset_minutes: Mapped[int] = mapped_column(SmallInteger, default=0)
    device_time: Mapped[datetime | None]  # as on CheckIn
    body_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    body = EncryptedText("body_ciphertext")
    prompt_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("prompts.id", ondelete="SET NULL"), index=True
    )
    # Losing the dosing session (the patient's account going) must not take
    # the entry's row with it before the entry itself goes: SET NULL.
    ketamine_session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ketamine_sessions.id", ondelete="SET NULL"), index=True
    )

    @property
    def written_at_local(self) -> datetime:
        return self.as_local(self.written_at, self.written_offset_minutes)


class Prompt(IdMixin, CreatedMixin, db.Model):
    """A reflective question in a clinic's library.

    Every clinic owns its rows: the built-in library (`default_prompts.json`)
    is copied into a clinic the first time the clinic's library is used
    (`prompts.ensure_clinic_library`), so editing a prompt never changes
    another clinic's. `clinic_id` NULL is reserved for built-in rows that
    belong to no clinic; none are stored today. `default_key` names the
    built-in prompt a row was copied from.
    """

    __tablename__ = "prompts"
    __table_args__ = (
        Index("ix_prompts_clinic", "clinic_id"),
        CheckConstraint("version >= 1", name="version"),
    )

    clinic_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE")
    )
    default_key: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    phases: Mapped[list[str]] = mapped_column(JSON)
    theme: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


class PromptAssignment(IdMixin, CreatedMixin, db.Model):
    """A therapist asking one patient to answer one prompt, from a given time.

    `due_at` is stored so "what is due" is one indexed read; when the prompt
    is relative to a dosing session (`offset_hours` after it), moving the
    session moves `due_at`, and cancelling it puts the assignment on hold
    (`due_at` NULL) until the session is booked again.
    """

    __tablename__ = "prompt_assignments"
    __table_args__ = (Index("ix_prompt_assignments_patient_due", "patient_id", "due_at"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    prompt_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("prompts.id", ondelete="CASCADE"), index=True
    )
    assigned_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    ketamine_session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ketamine_sessions.id", ondelete="CASCADE"), index=True
    )
    offset_hours: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime | None]
