"""flags: repeats, outcome and note, escalation, deletion notices

Revision ID: 0013_h13f_flags
Revises: 0012_lead_more_reminders
Create Date: 2026-12-07 12:59:32

A repeat while a flag is open updates it (occurrences, latest source, last
seen, level); acknowledging records an outcome and an encrypted note; an
urgent flag left open past the clinic's time is escalated; a patient who
deletes their account with open flags leaves their therapists a notice.
"""

import sqlalchemy as sa
from alembic import op

import server.db

revision = "0013_h13f_flags"
down_revision = "0012_lead_more_reminders"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "clinic_flag_settings",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("escalate_after_hours", sa.Integer(), nullable=False),
        sa.Column("updated_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_clinic_flag_settings_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_clinic_flag_settings_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_clinic_flag_settings")),
    )
    op.create_table(
        "flag_deletion_notices",
        sa.Column("therapist_id", sa.Uuid(), nullable=False),
        sa.Column("patient_name_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("deleted_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("open_flags", sa.JSON(), nullable=False),
        sa.Column("sessions", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["therapist_id"],
            ["users.id"],
            name=op.f("fk_flag_deletion_notices_therapist_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_deletion_notices")),
    )
    with op.batch_alter_table("flag_deletion_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_flag_deletion_notices_therapist_id"), ["therapist_id"], unique=False
        )

    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source_at", server.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("occurrences", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.add_column(sa.Column("latest_source_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("last_seen_at", server.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("level", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("escalated_at", server.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("outcome", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("note_ciphertext", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.drop_column("note_ciphertext")
        batch_op.drop_column("outcome")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("level")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("latest_source_id")
        batch_op.drop_column("occurrences")
        batch_op.drop_column("source_at")

    with op.batch_alter_table("flag_deletion_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flag_deletion_notices_therapist_id"))

    op.drop_table("flag_deletion_notices")
    op.drop_table("clinic_flag_settings")
