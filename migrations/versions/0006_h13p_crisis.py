"""crisis resources by country, the clinic's phone hours, "I don't feel safe" check-ins

Revision ID: 0006_h13p_crisis
Revises: 0005_h18_companion
Create Date: 2026-12-07 13:30:00

- clinics.country (ISO 3166 alpha-2; existing clinics keep the US lists they
  had) and clinics.phone_hours;
- users.country: a person's own country for crisis resources (null: their
  time zone's country);
- checkins.unsafe: the check-in said "I don't feel safe";
- clinic_crisis_resources.resources may be null: the built-in list applies
  while the admin's message and clinic-phone choice still do.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_h13p_crisis"
down_revision = "0005_h18_companion"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "clinics", sa.Column("country", sa.String(length=2), server_default="US", nullable=False)
    )
    op.add_column("clinics", sa.Column("phone_hours", sa.String(length=120), nullable=True))
    op.add_column("users", sa.Column("country", sa.String(length=2), nullable=True))
    op.add_column(
        "checkins", sa.Column("unsafe", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    with op.batch_alter_table("clinic_crisis_resources") as batch_op:
        batch_op.alter_column("resources", existing_type=sa.JSON(), nullable=True)


def downgrade():
    op.execute("DELETE FROM clinic_crisis_resources WHERE resources IS NULL")
    with op.batch_alter_table("clinic_crisis_resources") as batch_op:
        batch_op.alter_column("resources", existing_type=sa.JSON(), nullable=False)
    op.drop_column("checkins", "unsafe")
    op.drop_column("users", "country")
    op.drop_column("clinics", "phone_hours")
    op.drop_column("clinics", "country")
