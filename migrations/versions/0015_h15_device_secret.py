"""users: a per-account device secret (sealing drafts and the outbox on the phone)

Revision ID: 0015_h15_device_secret
Revises: 0014_h14_measures
Create Date: 2026-12-07 16:20:00

32 random bytes, made on first need and encrypted under ENCRYPTION_KEYS like
the TOTP secrets. The patient app derives its non-extractable sealing key
from it after each sign-in, so what waits on the phone can be opened again
by the same person once the server has ended a session.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_h15_device_secret"
down_revision = "0014_h14_measures"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_secret_ciphertext", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("device_secret_ciphertext")
