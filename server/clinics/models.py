from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import CreatedMixin, IdMixin
from server.extensions import db


class Clinic(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "clinics"

    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    #: When the clinic's phone is answered, shown beside it with crisis resources.
    phone_hours: Mapped[str | None] = mapped_column(String(120))
    #: ISO 3166 alpha-2; chooses the crisis resources of patients with no country of their own.
    country: Mapped[str] = mapped_column(String(2), default="US", server_default="US")
