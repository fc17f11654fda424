"""Dosing and integration sessions: the schedule that every phase is derived from.

These tables hold no free text: a session is a time, a route, a dose and a
status. Notes about a session belong to the journal, encrypted.
"""

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import CreatedMixin, IdMixin, utcnow
from server.extensions import db

ROUTES = ("iv", "im", "intranasal", "sublingual", "oral")
SETTINGS = ("clinic", "home")
STATUSES = ("scheduled", "completed", "cancelled")
# No ketamine route used in KAP comes near 1 g; a larger number is a typo
# (an extra zero), and a dose record must not silently carry one.
MAX_DOSE_MG = 1000
DEFAULT_INTEGRATION_MINUTES = 50
MAX_INTEGRATION_MINUTES = 480


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class DosingSession(IdMixin, CreatedMixin, db.Model):
    """A dosing session. Cancelling keeps the row: phases and reminders need the history.

    The table (`ketamine_sessions`), the API paths (`/ketamine-sessions`) and the
    JSON field `ketamine_session_id` keep the product contract's names (SPEC 4).

    `version` is the optimistic-concurrency counter clients send back with an
    edit; the ORM also checks it in the UPDATE, so two racing edits cannot
    both win.
    """

    __tablename__ = "ketamine_sessions"
    __table_args__ = (
        Index("ix_ketamine_sessions_patient_scheduled", "patient_id", "scheduled_at"),
        CheckConstraint(_one_of("route", ROUTES), name="route"),
        CheckConstraint(_one_of("setting", SETTINGS), name="setting"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint(f"dose_mg > 0 AND dose_mg <= {MAX_DOSE_MG}", name="dose_mg"),
        CheckConstraint("version >= 1", name="version"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scheduled_at: Mapped[datetime]
    route: Mapped[str] = mapped_column(String(16))
    # asdecimal=False: SQLite has no decimal type, and a float in mg is precise enough.
    dose_mg: Mapped[float | None] = mapped_column(Numeric(7, 2, asdecimal=False))
    setting: Mapped[str] = mapped_column(String(16), default="clinic")
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


# Which dosing sessions an integration session follows (talks about): the
# therapist's link, since a session may follow one dose, several, or none.
integration_session_doses = Table(
    "integration_session_doses",
    db.metadata,
    Column(
        "integration_session_id",
        Uuid,
        ForeignKey("integration_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "ketamine_session_id",
        Uuid,
        ForeignKey("ketamine_sessions.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class IntegrationSession(IdMixin, CreatedMixin, db.Model):
    """A therapy appointment; "since the last integration session" starts at one.

    `follows` are the dosing sessions it follows, oldest first; lists load
    them with `selectinload` (one more statement), a single session lazily.
    """

    __tablename__ = "integration_sessions"
    __table_args__ = (
        Index("ix_integration_sessions_patient_scheduled", "patient_id", "scheduled_at"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint(
            f"duration_minutes > 0 AND duration_minutes <= {MAX_INTEGRATION_MINUTES}",
            name="duration_minutes",
        ),
        CheckConstraint("version >= 1", name="version"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    therapist_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    scheduled_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(Integer, default=DEFAULT_INTEGRATION_MINUTES)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    follows: Mapped[list[DosingSession]] = relationship(
        secondary=integration_session_doses,
        order_by=lambda: (DosingSession.scheduled_at, DosingSession.id),
        passive_deletes=True,
    )

    __mapper_args__ = {"version_id_col": version}
