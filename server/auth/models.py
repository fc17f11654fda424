import uuid
from datetime import datetime, time

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from server.db import CreatedMixin, IdMixin
from server.extensions import db

ROLES = ("patient", "therapist", "admin")


class User(IdMixin, CreatedMixin, UserMixin, db.Model):
    __tablename__ = "users"

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    # Stored lower-cased; unique across the whole installation so login needs no clinic.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    share_by_default: Mapped[bool] = mapped_column(Boolean, default=True)
    checkin_time: Mapped[time | None] = mapped_column(Time, default=time(20, 0))
    quiet_hours_start: Mapped[time | None] = mapped_column(Time, default=time(22, 0))
    quiet_hours_end: Mapped[time | None] = mapped_column(Time, default=time(8, 0))
    totp_secret: Mapped[str | None] = mapped_column(String(64))

    @property
    def is_patient(self) -> bool:
        return self.role == "patient"

    @property
    def is_therapist(self) -> bool:
        return self.role == "therapist"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class ApiToken(IdMixin, CreatedMixin, db.Model):
    """A bearer token for native clients; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Invite(IdMixin, CreatedMixin, db.Model):
    """A single-use, expiring invitation; only the token's SHA-256 is stored."""

    __tablename__ = "invites"

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str | None] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # For a patient invite: the therapist whose care team the patient joins.
    therapist_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE")
    )
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class LoginSession(IdMixin, CreatedMixin, db.Model):
    """A signed-in browser session, so the server can end it at once.

    The cookie names this row; logout revokes it, a password change or an
    admin revokes all of a user's rows.
    """

    __tablename__ = "login_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    revoked_at: Mapped[datetime | None]
