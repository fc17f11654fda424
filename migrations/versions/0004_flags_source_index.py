"""index flags by their source, for the flags a list of measure responses raised

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:45:00

bench/million.py found the brief's and the response history's flag lookup
(`source_type = 'measure_response' AND source_id IN (...)`) scanning the whole
flags table: 21 ms over 47,000 flags, 0.06 ms with this index.
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_flags_source", "flags", ["source_type", "source_id"])


def downgrade():
    op.drop_index("ix_flags_source", table_name="flags")
