"""When the check after a dose is due, and when dosing-day prompts may appear.

The check is due the morning after the dose, at `NEXT_DAY_CHECK_AT` on the
patient's next local day (a wall-clock time, so it stays 09:00 across a DST
change), moved to the end of the patient's quiet hours when it falls inside
them: push plans its reminder (`server.push.scheduling.next_day_check_due`)
and the Today screen offers the form from the same instant. It stays open
for `NEXT_DAY_CHECK_OPEN` after the dose.
"""

from datetime import timedelta

from server.care.phase import DOSING_DAY_WAIT
from server.push.scheduling import NEXT_DAY_CHECK_AT, next_day_check_due

NEXT_DAY_CHECK_OPEN = timedelta(days=4)

__all__ = ["DOSING_DAY_WAIT", "NEXT_DAY_CHECK_AT", "NEXT_DAY_CHECK_OPEN", "next_day_check_due"]
