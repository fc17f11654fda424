"""A clinic's own crisis resources (the clinic's country, phone and hours are on `Clinic`)."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import utcnow
from server.extensions import db


class ClinicCrisisResources(db.Model):
    """What a clinic's admin chose; without a row the built-in list of the country applies.

    `resources` None keeps the built-in list while the admin's message and
    clinic-phone choice still apply.
    """

    __tablename__ = "clinic_crisis_resources"

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True
    )
    # [{"name", "phone", "sms", "sms_body", "url", "description"}], in the order shown.
    resources: Mapped[list[dict] | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(String(500))
    # The clinic's own phone (Clinic.phone) is listed after these unless turned off.
    include_clinic_phone: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
