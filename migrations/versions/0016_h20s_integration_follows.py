"""care: the dosing sessions an integration session follows

Revision ID: 0016_h20s_integration_follows
Revises: 0015_h15_device_secret
Create Date: 2026-12-07 16:50:00

A link table, so an integration session can name the dose (or doses) it
is about; both sides cascade with their sessions.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_h20s_integration_follows"
down_revision = "0015_h15_device_secret"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "integration_session_doses",
        sa.Column("integration_session_id", sa.Uuid(), nullable=False),
        sa.Column("ketamine_session_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_session_id"],
            ["integration_sessions.id"],
            name=op.f("fk_integration_session_doses_integration_session_id_integration_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ketamine_session_id"],
            ["ketamine_sessions.id"],
            name=op.f("fk_integration_session_doses_ketamine_session_id_ketamine_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "integration_session_id",
            "ketamine_session_id",
            name=op.f("pk_integration_session_doses"),
        ),
    )
    op.create_index(
        op.f("ix_integration_session_doses_ketamine_session_id"),
        "integration_session_doses",
        ["ketamine_session_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(
        op.f("ix_integration_session_doses_ketamine_session_id"),
        table_name="integration_session_doses",
    )
    op.drop_table("integration_session_doses")
