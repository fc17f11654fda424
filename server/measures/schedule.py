"""When a questionnaire is due: pure rules over the series and past answers.

PHQ-9 and GAD-7 ask about the last two weeks, so they are never due less
than `MINIMUM_GAP` (14 days, counted on the patient's own clock: 09:00 two
weeks on, across a change of summer time too) after the last response, with
three exceptions
that each answer a clinical question. Per instrument in the patient's plan,
the first rule that applies wins:

1. ``asked`` - the therapist asked for it now ("ask now") and it has not
   been answered since.
2. ``baseline`` - the first dosing session of a series is ahead and nothing
   was answered in the `BASELINE_WINDOW` (the 14 local days before that
   session's day); or nothing was ever answered and no dose has happened.
3. ``end_of_series`` - 1 to 7 local days after the last dosing session of
   a series (no later session booked in the same series), unless answered
   since the window opened. Whether a dose was the last is only known once
   the series' own rhythm has passed with nothing booked: the window opens
   on the day the next dose would have come (the longest gap between the
   series' doses, 1 to 7 days; day 7 after a single dose). A clinic that
   books each dose after the one before is then not asked after every dose,
   nor told after the first that its series has ended.
4. PHQ-9 and GAD-7: ``every_two_weeks`` while in a series (a dose within
   the last 4 weeks), counted from the last response and from the series'
   first dose, so the first two weeks are covered by the baseline;
   ``monthly`` otherwise (maintenance: no dosing for 4 weeks, or before the
   first dose).
5. PCL-5 (past-month recall): ``monthly`` after the last PCL-5, besides its
   baseline and end of series.

Cancelled sessions are left out by the caller.
"""

import itertools
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from server.fields import zone
from server.measures.series import Series

TWO_WEEK_RECALL = ("phq9", "gad7")
MINIMUM_GAP = timedelta(days=14)
MONTH = timedelta(days=30)
#: No dose for this long, and the patient is in maintenance.
MAINTENANCE_AFTER = timedelta(weeks=4)
BASELINE_WINDOW_DAYS = 14
END_OF_SERIES_DAYS = (1, 7)

#: Why each is due, in the patient's words (the due list shows it).
REASONS = {
    "asked": "your therapist asked for it",
    "baseline": "before the first dosing session of your treatment series",
    "end_of_series": "end of your treatment series",
    "every_two_weeks": "every two weeks during your treatment series",
    "monthly": "monthly check",
}


def due(
    enabled: Sequence[str],
    *,
    all_series: Sequence[Series],
    sessions: Sequence[tuple],
    latest: dict[str, datetime],
    asked: dict[str, datetime | None],
    now: datetime,
    time_zone: str,
    joined_at: datetime | None = None,
    plan_changed_at: datetime | None = None,
) -> list[dict]:
    """What is due now.

    `all_series` from `server.measures.series.split`; `sessions` are the
    non-cancelled dosing sessions `(id, scheduled_at)` by time; `latest`
    maps an instrument to its latest response's time; `asked` to when the
    therapist last asked for it.
    """
    tz = zone(time_zone)
    past = [s for s in sessions if s[1] <= now]
    upcoming = [s for s in all_series if s.first_at > now]
    last_dose = past[-1] if past else None
    items = []
    for instrument in enabled:
        answered = latest.get(instrument)
        # PCL-5 is owed from when the therapist switched it on; the others from joining.
        owed_since = (plan_changed_at if instrument not in TWO_WEEK_RECALL else None) or joined_at
        item = _asked(instrument, asked.get(instrument), answered)
        if item is None:
            item = _baseline(instrument, upcoming, past, answered, now, tz, owed_since)
        if item is None and last_dose is not None:
            item = _end_of_series(instrument, all_series, last_dose, answered, now, tz)
        if item is None:
            item = _regular(instrument, all_series, last_dose, answered, now, tz, owed_since)
        if item is not None:
            items.append(item)
    return items


def _item(instrument, reason, since, session_id=None) -> dict:
    return {
        "instrument": instrument,
        "reason": reason,
        "reason_text": REASONS[reason],
        "due_since": since,
        "ketamine_session_id": session_id,
    }


def _local_midnight(at: datetime, tz, days: int) -> datetime:
    return datetime.combine(at.astimezone(tz).date() + timedelta(days=days), time(0), tzinfo=tz)


def _asked(instrument, asked_at, answered) -> dict | None:
    if asked_at is None or (answered is not None and answered >= asked_at):
        return None
    return _item(instrument, "asked", asked_at)


def _baseline(instrument, upcoming, past, answered, now, tz, owed_since) -> dict | None:
    if not past and answered is None:
        first = upcoming[0].first_session_id if upcoming else None
        return _item(instrument, "baseline", owed_since or now, first)
    if not upcoming:
        return None
    nxt = upcoming[0]
    opens = _local_midnight(nxt.first_at, tz, -BASELINE_WINDOW_DAYS)
    if now < opens or (answered is not None and answered >= opens):
        return None
    return _item(instrument, "baseline", opens, nxt.first_session_id)


def _end_of_series(instrument, all_series, last_dose, answered, now, tz) -> dict | None:
    session_id, dosed_at = last_dose
    current = next((s for s in all_series if s.first_at <= dosed_at <= s.last_at), None)
    if current is None or current.last_at != dosed_at:
        return None  # another dose of this series is booked
    first_day, last_day = END_OF_SERIES_DAYS
    # A single dose shows no rhythm: its series may go on, so the window opens last.
    rhythm = _rhythm(current, tz) or last_day
    opens = _local_midnight(dosed_at, tz, min(max(rhythm, first_day), last_day))
    closes = _local_midnight(dosed_at, tz, last_day + 1)
    if not opens <= now < closes or (answered is not None and answered >= opens):
        return None
    return _item(instrument, "end_of_series", opens, session_id)


def _later(at: datetime, tz, gap: timedelta) -> datetime:
    """`gap` after `at` on the patient's clock: 14 days after 09:00 is 09:00, across a
    change to or from summer time too (Python adds to an aware time's wall clock)."""
    return at.astimezone(tz) + gap


def _rhythm(one: Series, tz) -> int:
    """The longest gap, in the patient's days, between two doses of a series; 0 for one dose."""
    days = [at.astimezone(tz).date() for at in one.session_times]
    return max(((later - earlier).days for earlier, later in itertools.pairwise(days)), default=0)


def _regular(instrument, all_series, last_dose, answered, now, tz, owed_since) -> dict | None:
    in_series = last_dose is not None and now - last_dose[1] < MAINTENANCE_AFTER
    if instrument in TWO_WEEK_RECALL and in_series:
        current = next(s for s in all_series if s.first_at <= last_dose[1] <= s.last_at)
        since = _later(current.first_at, tz, MINIMUM_GAP)
        if answered is not None:
            since = max(since, _later(answered, tz, MINIMUM_GAP))
        return _item(instrument, "every_two_weeks", since) if now >= since else None
    if answered is None:
        return _item(instrument, "monthly", owed_since or now)
    since = _later(answered, tz, MONTH)
    return _item(instrument, "monthly", since) if now >= since else None
