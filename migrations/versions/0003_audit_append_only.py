"""audit log append-only in the database: triggers refuse UPDATE and DELETE

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:00:00

The statements live in `server.audit.append_only`, shared with the DDL hook
that installs them when `create_all` builds the table (the tests), so both
kinds of database refuse the same way. PostgreSQL: a plpgsql trigger
function raising an exception, on UPDATE, DELETE and TRUNCATE. SQLite:
BEFORE UPDATE and BEFORE DELETE triggers that RAISE(ABORT).
"""

from alembic import op

from server.audit import append_only

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name not in ("postgresql", "sqlite"):
        raise RuntimeError(f"0003 knows no append-only triggers for {bind.dialect.name!r}")
    append_only.install(bind)


def downgrade():
    append_only.uninstall(op.get_bind())
