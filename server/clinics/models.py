import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import CreatedMixin, IdMixin, utcnow
from server.extensions import db


class Clinic(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "clinics"

    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    #: When the clinic's phone is answered, shown beside it with crisis resources.
    phone_hours: Mapped[str | None] = mapped_column(String(120))
    #: ISO 3166 alpha-2; chooses the crisis resources of patients with no country of their own.
    country: Mapped[str] = mapped_column(String(2), default="US", server_default="US")


class CareTeamMember(db.Model):
    """A therapist caring for a patient; a therapist sees only these patients."""

    __tablename__ = "care_team_members"

    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    therapist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
