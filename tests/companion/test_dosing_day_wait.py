"""On a dosing day the reminder and the prompts wait the same time after the session:
the reminder to write never comes while the prompts still rest. `now` is fixed."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from server.journal import due, prompts
from server.push.scheduling import session_plan
from tests import factories

NEW_YORK = ZoneInfo("America/New_York")


def test_the_evening_reminder_comes_when_the_dosing_day_prompts_do(clinic):
    patient = factories.user(clinic, "patient", time_zone="America/New_York")
    prompts.ensure_clinic_library(clinic.id)
    # 17:30 local: the 19:00 reminder is held until the rest hours are over.
    dose = factories.ketamine_session(
        patient, scheduled_at=datetime(2026, 5, 4, 17, 30, tzinfo=NEW_YORK).astimezone(UTC)
    )
    [reminder] = [p for p in session_plan(dose, patient) if ":evening_of:" in p.key]
    assert reminder.due_at > dose.scheduled_at + timedelta(hours=1)
    resting = due.due_prompts(patient, reminder.due_at - timedelta(minutes=1))
    offered = due.due_prompts(patient, reminder.due_at)
    assert resting.phase == offered.phase == "dosing_day"
    assert resting.items == [] and offered.items
