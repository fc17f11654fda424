"""key checks: a value sealed under each key, so a wrong ENCRYPTION_KEYS is refused

Revision ID: 0008_hfault_key_checks
Revises: 0007_hpush_anchors
Create Date: 2026-12-07 13:15:00

Start-up refuses keys that open none of these (server/keycheck.py). The rows
are written by the app on its first start after this migration.
"""

import sqlalchemy as sa
from alembic import op

import server.db

revision = "0008_hfault_key_checks"
down_revision = "0007_hpush_anchors"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "key_checks",
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_key_checks")),
    )


def downgrade():
    op.drop_table("key_checks")
