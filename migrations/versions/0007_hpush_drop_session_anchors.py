"""drop push_session_anchors: push reads dosing sessions from the care feature

Revision ID: 0007_hpush_anchors
Revises: 0006_h13p_crisis
Create Date: 2026-12-07 13:10:00

The push feature kept a copy of each dosing session (time, status), filled by
a signal receiver that swallowed its errors and was never resynced, so a
failed receiver left reminders planned from a stale time for good. Push now
reads `ketamine_sessions` directly and the worker's periodic pass re-plans
from it, so the copy has nothing left to do.
"""

import sqlalchemy as sa
from alembic import op

import server.db

revision = "0007_hpush_anchors"
down_revision = "0006_h13p_crisis"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("push_session_anchors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_session_anchors_patient_id"))
    op.drop_table("push_session_anchors")


def downgrade():
    op.create_table(
        "push_session_anchors",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("scheduled_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["users.id"],
            name=op.f("fk_push_session_anchors_patient_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_push_session_anchors")),
    )
    with op.batch_alter_table("push_session_anchors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_push_session_anchors_patient_id"), ["patient_id"], unique=False
        )
    # Refill the copy from the sessions it mirrored, so an older release finds them.
    op.execute(
        "INSERT INTO push_session_anchors (session_id, patient_id, scheduled_at, status,"
        " updated_at) SELECT id, patient_id, scheduled_at, status, updated_at"
        " FROM ketamine_sessions"
    )
