"""One safety plan per patient, its sections encrypted together as one JSON text."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from server.crypto import EncryptedText
from server.db import CreatedMixin, IdMixin, utcnow
from server.extensions import db

#: The plan's sections, in the order the patient fills them in.
SECTIONS = (
    "warning_signs",
    "on_my_own",
    "people_and_places",
    "people_to_ask",
    "professionals",
    "safer_surroundings",
)
#: Lines per section and characters per line.
MAX_LINES = 12
LINE_MAX = 300


class SafetyPlan(IdMixin, CreatedMixin, db.Model):
    """The patient's safety plan. `sections_json` decrypts to `{section: [line, ...]}`."""

    __tablename__ = "safety_plans"

    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    sections_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    sections_json = EncryptedText("sections_ciphertext")
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}
