"""measures: difficulty item, ask now, index event, marked series starts

Revision ID: 0014_h14_measures
Revises: 0013_h13f_flags
Create Date: 2026-12-07 13:20:00

The difficulty item after PHQ-9 item 9 and GAD-7 item 7 is stored on the
response; the plan keeps when the therapist asked for each questionnaire and
the PCL-5 index event (encrypted); a therapist may mark a dosing session as
the first of a new treatment series.
"""

import sqlalchemy as sa
from alembic import op

import server.db

revision = "0014_h14_measures"
down_revision = "0013_h13f_flags"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("measure_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("difficulty", sa.Integer(), nullable=True))
    with op.batch_alter_table("measure_plans", schema=None) as batch_op:
        for name in ("phq9_asked_at", "gad7_asked_at", "pcl5_asked_at"):
            batch_op.add_column(
                sa.Column(name, server.db.UTCDateTime(timezone=True), nullable=True)
            )
        batch_op.add_column(sa.Column("index_event_ciphertext", sa.LargeBinary(), nullable=True))
    op.create_table(
        "series_starts",
        sa.Column("ketamine_session_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("marked_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("marked_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ketamine_session_id"],
            ["ketamine_sessions.id"],
            name=op.f("fk_series_starts_ketamine_session_id_ketamine_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["marked_by_id"],
            ["users.id"],
            name=op.f("fk_series_starts_marked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["users.id"],
            name=op.f("fk_series_starts_patient_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ketamine_session_id", name=op.f("pk_series_starts")),
    )
    op.create_index(
        op.f("ix_series_starts_patient_id"), "series_starts", ["patient_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_series_starts_patient_id"), table_name="series_starts")
    op.drop_table("series_starts")
    with op.batch_alter_table("measure_plans", schema=None) as batch_op:
        batch_op.drop_column("index_event_ciphertext")
        for name in ("pcl5_asked_at", "gad7_asked_at", "phq9_asked_at"):
            batch_op.drop_column(name)
    with op.batch_alter_table("measure_responses", schema=None) as batch_op:
        batch_op.drop_column("difficulty")
