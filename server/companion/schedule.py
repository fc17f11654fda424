"""When the check after a dose is due, and when dosing-day prompts may appear.

The check is due the morning after the dose, at `NEXT_DAY_CHECK_AT` on the
patient's next local day (a wall-clock time, so it stays 09:00 across a DST
change), moved to the end of the patient's quiet hours when it falls inside
them. It stays open for `NEXT_DAY_CHECK_OPEN` after the dose.
"""

from datetime import datetime, time, timedelta

from server.auth.models import User
from server.care.phase import DOSING_DAY_WAIT
from server.fields import zone
from server.push.scheduling import after_quiet_hours, at_local

NEXT_DAY_CHECK_AT = time(9, 0)
NEXT_DAY_CHECK_OPEN = timedelta(days=4)
__all__ = ["DOSING_DAY_WAIT", "NEXT_DAY_CHECK_AT", "NEXT_DAY_CHECK_OPEN", "next_day_check_due"]


def next_day_check_due(session_at: datetime, patient: User) -> datetime:
    """The instant the check after the dose at `session_at` falls due for `patient`."""
    tz = zone(patient.time_zone)
    day = session_at.astimezone(tz).date() + timedelta(days=1)
    due = at_local(day, NEXT_DAY_CHECK_AT, tz)
    return after_quiet_hours(due, tz, patient.quiet_hours_start, patient.quiet_hours_end)
