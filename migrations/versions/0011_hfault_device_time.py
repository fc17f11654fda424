"""device_time: what a phone running fast said, beside the clamped time

Revision ID: 0011_hfault_device_time
Revises: 0010_h18_next_day_check
Create Date: 2026-12-07 13:45:00

A time up to CLOCK_SKEW_SECONDS ahead of the server is stored as the
server's time; the phone's own is kept here (server/fields.py).
"""

import sqlalchemy as sa
from alembic import op

import server.db

revision = "0011_hfault_device_time"
down_revision = "0010_h18_next_day_check"
branch_labels = None
depends_on = None

TABLES = ("checkins", "journal_entries", "measure_responses")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("device_time", server.db.UTCDateTime(timezone=True), nullable=True)
            )


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("device_time")
