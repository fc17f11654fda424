"""measure_responses: an index on (patient_id, instrument, completed_at)

Revision ID: 0017_h20a_response_course
Revises: 0016_h20s_integration_follows
Create Date: 2026-12-07 17:00:00

The clinic outcomes report reads, per patient and questionnaire, only the
latest response, the earliest and the one before a series' first dose; this
index finds each in a step or two instead of walking the patient's responses
to every questionnaire.
"""

from alembic import op

revision = "0017_h20a_response_course"
down_revision = "0016_h20s_integration_follows"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_measure_responses_course",
        "measure_responses",
        ["patient_id", "instrument", "completed_at"],
    )


def downgrade():
    op.drop_index("ix_measure_responses_course", table_name="measure_responses")
