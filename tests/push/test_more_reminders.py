"""More than one daily check-in reminder: each at its local time, quiet hours kept."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from server.push.scheduling import checkin_plan
from tests import factories
from tests.push.helpers import pending

NEW_YORK = ZoneInfo("America/New_York")


def local_times(planned):
    return [p.due_at.astimezone(NEW_YORK).replace(tzinfo=None) for p in planned]


def test_a_morning_and_an_evening_reminder_each_day_over_the_spring_change(clinic):
    patient = factories.user(clinic, "patient", checkin_time=time(20), time_zone="America/New_York")
    patient.more_checkin_times = [time(9)]
    now = datetime(2026, 3, 7, 8, 0, tzinfo=NEW_YORK).astimezone(UTC)
    planned = checkin_plan(patient, now, days=2)
    assert local_times(planned) == [
        datetime(2026, 3, 7, 9),
        datetime(2026, 3, 7, 20),
        datetime(2026, 3, 8, 9),
        datetime(2026, 3, 8, 20),
    ]
    assert len({p.key for p in planned}) == 4


def test_two_times_in_quiet_hours_remind_once_when_they_end(clinic):
    patient = factories.user(
        clinic,
        "patient",
        checkin_time=time(23),
        quiet_hours_start=time(22),
        quiet_hours_end=time(7, 30),
        time_zone="America/New_York",
    )
    patient.more_checkin_times = [time(23, 30)]
    now = datetime(2026, 6, 1, 12, 0, tzinfo=NEW_YORK).astimezone(UTC)
    # Tonight's two both wait for the morning, and come as one reminder.
    assert local_times(checkin_plan(patient, now, days=1)) == [datetime(2026, 6, 2, 7, 30)]


def test_settings_take_more_times_and_reminders_follow(as_user, patient, subscribe):
    client = as_user(patient)
    subscribe(patient, client)
    one_a_day = len(pending(patient, "checkin_reminder"))
    saved = client.patch("/api/v1/me/settings", json={"more_checkin_times": ["09:00:00"]})
    assert saved.status_code == 200
    assert saved.get_json()["more_checkin_times"] == ["09:00:00"]
    assert len(pending(patient, "checkin_reminder")) > one_a_day
    client.patch("/api/v1/me/settings", json={"more_checkin_times": []})
    assert len(pending(patient, "checkin_reminder")) == one_a_day


def test_at_most_two_more_times_naming_the_field(as_user, patient):
    refused = as_user(patient).patch(
        "/api/v1/me/settings",
        json={"more_checkin_times": ["08:00:00", "12:00:00", "16:00:00"]},
    )
    assert refused.status_code == 422
    assert "more_checkin_times" in refused.get_json()["errors"]
