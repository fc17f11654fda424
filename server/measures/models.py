"""Answered questionnaires and each patient's plan of which ones are due.

Answers and scores are health data: they are stored as numbers (no free
text), returned only to the patient and, when shared, to the care team, and
never written to logs or error messages.
"""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, synonym

from server.crypto import EncryptedText
from server.db import CreatedMixin, utcnow
from server.extensions import db


class MeasureResponse(CreatedMixin, db.Model):
    """One answered PHQ-9, GAD-7 or PCL-5, scored by the server.

    `id` is made by the client so a replayed POST finds the stored row.
    `request_digest` fingerprints the creating request, so a replay with the
    same body is told apart from a different body reusing the id (409) even
    after `shared` has since been edited. `version` is checked by the ORM in
    every UPDATE, so two racing edits cannot both win.
    """

    __tablename__ = "measure_responses"
    __table_args__ = (
        Index("ix_measure_responses_patient_completed", "patient_id", "completed_at"),
        # One questionnaire's history of one patient, from either end (the outcomes
        # report, the caseload's scores). `id` breaks ties in the newest-first order,
        # so the newest is the first entry, not a sort; with the total and the
        # sharing beside it, the nadir is read from the index alone (PostgreSQL).
        Index(
            "ix_measure_responses_course",
            "patient_id",
            "instrument",
            "completed_at",
            "id",
            postgresql_include=["total", "shared"],
        ),
    )

    #: What a tombstone of a deleted response records (`server.items.bury`).
    kind = "measure_response"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(8))
    answers: Mapped[list[int]] = mapped_column(JSON)
    completed_at: Mapped[datetime]
    # What the phone said when its clock ran ahead (server.fields.clamp_device_time).
    device_time: Mapped[datetime | None]
    total: Mapped[int] = mapped_column(Integer)
    # The band's label; None for PCL-5, which has a cut-off instead of bands.
    severity: Mapped[str | None] = mapped_column(String(32))
    # PCL-5 cluster sums {"B": .., "C": .., "D": .., "E": ..}; None otherwise.
    subscores: Mapped[dict | None] = mapped_column(JSON)
    # The unscored difficulty item after PHQ-9 item 9 / GAD-7 item 7: the
    # option's index (0 "Not difficult at all" .. 3), None when not answered.
    difficulty: Mapped[int | None] = mapped_column(Integer)
    shared: Mapped[bool] = mapped_column(Boolean)
    discuss_next_session: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    request_digest: Mapped[str] = mapped_column(String(64))

    __mapper_args__ = {"version_id_col": version}


class MeasurePlan(db.Model):
    """Which questionnaires a patient is asked to fill; no row means the default plan.

    The default (PHQ-9 and GAD-7 on, PCL-5 off) is what most KAP clinics ask
    of everyone; the care-team therapist turns PCL-5 on where trauma is a
    focus of treatment.
    """

    __tablename__ = "measure_plans"

    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    phq9: Mapped[bool] = mapped_column(Boolean, default=True)
    gad7: Mapped[bool] = mapped_column(Boolean, default=True)
    pcl5: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the therapist last asked for each questionnaire now ("ask now"):
    # due until the patient answers it.
    phq9_asked_at: Mapped[datetime | None]
    gad7_asked_at: Mapped[datetime | None]
    pcl5_asked_at: Mapped[datetime | None]
    # What "the stressful experience" of the PCL-5 means for this patient,
    # in the therapist's words; shown to the patient above the PCL-5.
    index_event_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    index_event = EncryptedText("index_event_ciphertext")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    #: The row's identity for encryption (one plan per patient), usable in queries too.
    id = synonym("patient_id")


class SeriesStart(db.Model):
    """A dosing session the therapist marked as the first of a new treatment series.

    Without a mark, a series starts after more than 8 weeks without dosing
    (`server.measures.series`); a mark starts one sooner (a new course of
    treatment after a short break), so the next baseline is taken before it.
    """

    __tablename__ = "series_starts"

    ketamine_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ketamine_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)
    marked_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
