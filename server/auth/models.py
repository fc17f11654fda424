import uuid
from datetime import datetime, time

from flask_login import UserMixin
from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, LargeBinary, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.crypto import EncryptedText
from server.db import CreatedMixin, IdMixin, utcnow
from server.extensions import db

ROLES = ("patient", "therapist", "admin")
#: Roles that must sign in with a second factor (SPEC 8); patients may opt in.
TOTP_REQUIRED_ROLES = frozenset({"therapist", "admin"})


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
    #: ISO 3166 alpha-2 for crisis resources; None: the time zone's country, else the clinic's.
    country: Mapped[str | None] = mapped_column(String(2))
    share_by_default: Mapped[bool] = mapped_column(Boolean, default=True)
    checkin_time: Mapped[time | None] = mapped_column(Time, default=time(20, 0))
    # More daily reminders beyond `checkin_time`, as local "HH:MM" (see `more_checkin_times`).
    extra_checkin_times: Mapped[list[str]] = mapped_column(JSON, default=list)
    quiet_hours_start: Mapped[time | None] = mapped_column(Time, default=time(22, 0))
    quiet_hours_end: Mapped[time | None] = mapped_column(Time, default=time(8, 0))
    # TOTP secrets are encrypted under ENCRYPTION_KEYS and bound to this row:
    # a database dump or backup alone does not hand out anyone's second factor.
    totp_secret_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Issued by /auth/totp/enrol, active only once a code from it is confirmed.
    totp_pending_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The last 30-second time step accepted, so a code observed once (shoulder,
    # phishing proxy, log) cannot be replayed within its validity window.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    totp_enrolled_at: Mapped[datetime | None]
    # The patient app's device secret (server/auth/device.py), encrypted the same way.
    device_secret_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)

    totp_secret = EncryptedText("totp_secret_ciphertext")
    totp_pending_secret = EncryptedText("totp_pending_ciphertext")
    device_secret = EncryptedText("device_secret_ciphertext")

    @property
    def more_checkin_times(self) -> list[time]:
        """Daily reminders after the first, in local time."""
        return [time.fromisoformat(value) for value in self.extra_checkin_times or []]

    @more_checkin_times.setter
    def more_checkin_times(self, values: list[time]) -> None:
        self.extra_checkin_times = sorted({value.strftime("%H:%M") for value in values or []})

    @property
    def checkin_times(self) -> list[time]:
        """Every daily check-in reminder, earliest first; empty when none is set."""
        first = [self.checkin_time] if self.checkin_time is not None else []
        return sorted(set(first) | set(self.more_checkin_times))

    @property
    def is_patient(self) -> bool:
        return self.role == "patient"

    @property
    def is_therapist(self) -> bool:
        return self.role == "therapist"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def totp_enrolled(self) -> bool:
        return self.totp_secret_ciphertext is not None

    @property
    def totp_required(self) -> bool:
        return self.role in TOTP_REQUIRED_ROLES


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


class RecoveryCode(IdMixin, CreatedMixin, db.Model):
    """A single-use second factor for a lost authenticator.

    Codes carry 80 random bits, so a plain SHA-256 is enough to make a stolen
    table useless (no slow hash needed, unlike a password). `used_at` is set
    with a conditional UPDATE so two concurrent logins cannot both spend it.
    """

    __tablename__ = "recovery_codes"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


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

    # Never loaded here; they tell the unit of work that a new patient's or
    # therapist's row goes in before a membership naming it, in one flush.
    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    therapist: Mapped[User] = relationship(foreign_keys=[therapist_id])
