"""measure_responses: the course index ends with id and carries total and shared

Revision ID: 0018_h17_course_newest_first
Revises: 0017_h20a_response_course
Create Date: 2026-12-08 03:20:00

The caseload reads each patient's newest shared response per questionnaire,
newest first with id breaking ties: with id in the index that is its first
entry, where before every probe sorted the entries of its newest moment. The
relapse signal's nadir reads the total of each shared response in a series;
included in the index (PostgreSQL), it is read without visiting the table.
"""

from alembic import op

revision = "0018_h17_course_newest_first"
down_revision = "0017_h20a_response_course"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_measure_responses_course", table_name="measure_responses")
    op.create_index(
        "ix_measure_responses_course",
        "measure_responses",
        ["patient_id", "instrument", "completed_at", "id"],
        postgresql_include=["total", "shared"],
    )


def downgrade():
    op.drop_index("ix_measure_responses_course", table_name="measure_responses")
    op.create_index(
        "ix_measure_responses_course",
        "measure_responses",
        ["patient_id", "instrument", "completed_at"],
    )
