"""a patient may have more than one daily check-in reminder

Revision ID: 0012_lead_more_reminders
Revises: 0011_hfault_device_time
Create Date: 2026-12-07 13:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_lead_more_reminders"
down_revision = "0011_hfault_device_time"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("extra_checkin_times", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("extra_checkin_times")
