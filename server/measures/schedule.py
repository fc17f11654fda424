"""When a questionnaire is due: pure rules over the schedule and past answers.

Per instrument in the patient's plan, the first rule that applies wins:

1. ``baseline`` - never answered before the first dosing session, and that
   session has not happened yet (or none is booked). Once the first dose has
   passed, a missing baseline cannot be made up.
2. ``before_dosing`` (PHQ-9, GAD-7) - from 00:00 of the patient's local day
   before a dosing session until the session starts, unless answered since
   that midnight.
3. ``weekly`` (PHQ-9, GAD-7) - in the integration phase (`server.care.phase`),
   every 7 days counted from the latest dose, unless answered since the week
   began.
4. ``monthly`` (PCL-5) - 30 days after the latest PCL-5; at once if the
   therapist switched PCL-5 on after the first dose.

Cancelled sessions are left out by the caller.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from server.care.phase import INTEGRATION, decide
from server.fields import zone

PRE_AND_WEEKLY = ("phq9", "gad7")
WEEK = timedelta(days=7)
MONTH = timedelta(days=30)


def due(
    enabled: Sequence[str],
    *,
    sessions: Sequence[tuple[uuid.UUID, datetime]],
    answered: dict[str, tuple[datetime | None, bool]],
    now: datetime,
    time_zone: str,
    joined_at: datetime | None = None,
    plan_changed_at: datetime | None = None,
) -> list[dict]:
    """What is due now.

    `sessions` are the non-cancelled dosing sessions `(id, scheduled_at)`
    sorted by time; `answered` maps an instrument to `(latest completed_at,
    answered before the first session)`.
    """
    tz = zone(time_zone)
    first_at = sessions[0][1] if sessions else None
    past = [s for s in sessions if s[1] <= now]
    upcoming = [s for s in sessions if s[1] > now]
    phase = decide(list(sessions), tz, now)
    items = []
    for instrument in enabled:
        latest, has_baseline = answered.get(instrument, (None, False))
        item = None
        if not has_baseline and (first_at is None or now < first_at):
            # PCL-5 is owed from when the therapist switched it on; the others from joining.
            since = plan_changed_at if instrument not in PRE_AND_WEEKLY else None
            item = _item(instrument, "baseline", since or joined_at or now)
        elif instrument in PRE_AND_WEEKLY:
            item = _before_dosing(instrument, upcoming, latest, now, tz)
            if item is None and phase.name == INTEGRATION and past:
                item = _weekly(instrument, past[-1][1], latest, now)
        elif latest is None:
            item = _item(instrument, "monthly", plan_changed_at or now)
        elif now - latest >= MONTH:
            item = _item(instrument, "monthly", latest + MONTH)
        if item is not None:
            items.append(item)
    return items


def _item(instrument, reason, since, session_id=None) -> dict:
    return {
        "instrument": instrument,
        "reason": reason,
        "due_since": since,
        "ketamine_session_id": session_id,
    }


def _before_dosing(instrument, upcoming, latest, now, tz) -> dict | None:
    if not upcoming:
        return None
    session_id, scheduled_at = upcoming[0]
    day_before = scheduled_at.astimezone(tz).date() - timedelta(days=1)
    opens = datetime.combine(day_before, time(0), tzinfo=tz)
    if now < opens or (latest is not None and latest >= opens):
        return None
    return _item(instrument, "before_dosing", opens, session_id)


def _weekly(instrument, last_dose_at, latest, now) -> dict | None:
    weeks = (now - last_dose_at) // WEEK
    if weeks < 1:
        return None
    opens = last_dose_at + weeks * WEEK
    if latest is not None and latest >= opens:
        return None
    return _item(instrument, "weekly", opens)
