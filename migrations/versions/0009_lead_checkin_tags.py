"""a check-in carries the patient's own tags, encrypted like its note

Revision ID: 0009_lead_checkin_tags
Revises: 0008_hfault_key_checks
Create Date: 2026-12-07 13:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_lead_checkin_tags"
down_revision = "0008_hfault_key_checks"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("checkins") as batch:
        batch.add_column(sa.Column("tags_ciphertext", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("checkins") as batch:
        batch.drop_column("tags_ciphertext")
