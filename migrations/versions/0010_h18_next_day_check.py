"""notifications may be the check after a dose (kind next_day_check)

Revision ID: 0010_h18_next_day_check
Revises: 0009_lead_checkin_tags
Create Date: 2026-12-07 13:30:00

The companion's check the morning after a dose is pushed as a kind of its
own, so its notification says what it is ("A short check after your
session") and the planner can cancel it once answered.
"""

from alembic import op

revision = "0010_h18_next_day_check"
down_revision = "0009_lead_checkin_tags"
branch_labels = None
depends_on = None

BEFORE = ("checkin_reminder", "prompt_reminder", "measure_due", "urgent_flag", "test")
AFTER = (*BEFORE, "next_day_check")


def _kinds(kinds):
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint("kind", type_="check")
        batch_op.create_check_constraint("kind", f"kind IN {kinds!r}")


def upgrade():
    _kinds(AFTER)


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind = 'next_day_check'")
    _kinds(BEFORE)
