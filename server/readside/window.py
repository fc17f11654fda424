"""The window: where a patient's shared items are read from before an integration session.

See the package's docstring. The caseload counts unread items in each
patient's window (`windows`); the timeline opens on it (`window_start`).
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func

from server.auth.models import User
from server.care import queries as care_queries
from server.care.models import IntegrationSession
from server.db import UTCDateTime
from server.readside.sql import CLINIC_ID, DEFAULT_SINCE, NOW, THERAPIST_ID, UNTIL, care_team

#: The window when a patient has had no integration session yet.
DEFAULT_WINDOW = timedelta(days=30)


def care_team_windows():
    """Each care-team patient's window as a subquery: `(patient_id, since, until)`.

    `until` (a day ahead: no item can be dated later) changes no count; it
    is there for PostgreSQL's planner, with OFFSET 0 keeping the subquery
    whole so that both bounds reach each count as per-patient parameters.
    Bounded on both sides by values unknown when planning, a range is
    estimated as narrow; bounded below only, as a third of the patient's
    history. That guess grows with the history until the plan's cost
    crosses the JIT threshold, and compiling it costs ten times the query.
    """
    last = (
        care_queries.last_taken_place(IntegrationSession, User.id, NOW)
        .correlate(User)
        .scalar_subquery()
    )
    return (
        care_team(THERAPIST_ID, CLINIC_ID)
        .with_only_columns(
            User.id.label("patient_id"),
            func.coalesce(last, DEFAULT_SINCE, type_=UTCDateTime()).label("since"),
            UNTIL.label("until"),
        )
        .offset(0)
        .subquery("windows")
    )


def window_start(patient_id: uuid.UUID, now: datetime) -> datetime:
    """Where a patient's window starts (see the module's docstring); one statement."""
    last = care_queries.last_integration_session_before(patient_id, now)
    return last.scheduled_at if last is not None else now - DEFAULT_WINDOW
