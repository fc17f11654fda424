"""A patient's summary for the patient page header and the schedule page; one statement.

Name, time zone, phase, the next dosing and integration sessions, the last
integration session, and the open and urgent flag counts by the flags
feature's visibility rule (a flag about a private item is never counted).
The caller has already checked the patient is on the care team
(`server.access.patient_in_care`).
"""

from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, case, func, select

from server.auth.models import User
from server.care import phase
from server.care import queries as care_queries
from server.care.models import IntegrationSession
from server.db import utcnow
from server.fields import zone
from server.flags import queries as flag_queries
from server.flags.models import URGENT, Flag
from server.readside.caseload import _caseload_patients
from server.readside.sql import NOW, fetch_rows

PATIENT_ID = bindparam("patient_id", type_=User.id.type)


def summary(therapist: User, patient: User, *, now: datetime | None = None) -> dict:
    """`patient`'s summary as `therapist` may see it; one statement."""
    now = now or utcnow()
    row = fetch_rows(
        _summary(),
        {
            "therapist_id": therapist.id,
            "clinic_id": therapist.clinic_id,
            "patient_id": patient.id,
            "now": now,
        },
    )[0]
    (_, name, time_zone, _, dose_id, dose_at, talk_id, talk_at, last_dose_at) = row[:9]
    last_talk_id, last_talk_at, open_count, urgent_count = row[10:]
    deciding = [s for s in ((None, last_dose_at), (dose_id, dose_at)) if s[1] is not None]
    return {
        "id": patient.id,
        "display_name": name,
        "time_zone": time_zone,
        "phase": phase.decide(deciding, zone(time_zone), now).name,
        "next_ketamine_session": _ref(dose_id, dose_at),
        "next_integration_session": _ref(talk_id, talk_at),
        "last_integration_session": _ref(last_talk_id, last_talk_at),
        "open_flag_count": open_count,
        "urgent_flag_count": int(urgent_count or 0),
    }


def _ref(session_id, scheduled_at) -> dict | None:
    return None if session_id is None else {"id": session_id, "scheduled_at": scheduled_at}


@cache
def _summary():
    # The caseload's row for one patient (the same session and phase rules),
    # with the last integration session and the visible open flags beside it.
    def last_talk(column):
        return (
            care_queries.latest_first(IntegrationSession, User.id, NOW, column)
            .limit(1)
            .correlate(User)
            .scalar_subquery()
        )

    def open_flags(counted):
        return (
            select(counted)
            .where(
                Flag.patient_id == User.id,
                Flag.clinic_id == User.clinic_id,
                Flag.acknowledged_at.is_(None),
                flag_queries.flag_visible(),
            )
            .correlate(User)
            .scalar_subquery()
        )

    return (
        _caseload_patients()
        .add_columns(
            last_talk(IntegrationSession.id),
            last_talk(IntegrationSession.scheduled_at),
            open_flags(func.count()),
            open_flags(func.coalesce(func.sum(case((Flag.severity == URGENT, 1), else_=0)), 0)),
        )
        .where(User.id == PATIENT_ID)
    )
