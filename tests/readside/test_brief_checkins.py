"""The one-screen brief's figures: the four scales' ranges, the latest check-in as
recorded, the dose days, the days without a shared check-in, and the last dose."""

from datetime import date, datetime, timedelta

from server.readside.scales import adherence
from tests import factories
from tests.readside.world import NOW, local, read_brief


def test_each_scale_has_its_range_from_shared_check_ins_only(as_user, therapist, world, frozen):
    checkins = read_brief(as_user(therapist), world.patient)["checkins"]
    # Shared since day 6: moods 3, 4, 6, 7; only day 5's gave anxiety (7). The
    # private moods 2 and 1 are in no figure.
    assert checkins["scales"] == {
        "mood": {"average": 5.0, "min": 3, "max": 7, "checkin_count": 4},
        "sleep_quality": {"average": None, "min": None, "max": None, "checkin_count": 0},
        "anxiety": {"average": 7.0, "min": 7, "max": 7, "checkin_count": 1},
        "energy": {"average": None, "min": None, "max": None, "checkin_count": 0},
    }
    days = {day["date"]: day for day in checkins["days"]}
    assert list(days) == [f"2025-06-{day:02}" for day in range(9, 16)]
    assert days["2025-06-13"] == {
        "date": "2025-06-13",
        "checkin_count": 2,
        "mood": 5.0,
        "sleep_quality": None,
        "anxiety": None,
        "energy": None,
    }
    # Day 1 had only a private check-in: as the care team sees it, none.
    assert days["2025-06-14"]["checkin_count"] == 0 and days["2025-06-14"]["mood"] is None
    # The dose of day 5 (08:00 in New York) marks the patient's day.
    assert checkins["dose_days"] == ["2025-06-10"]


def test_the_latest_is_the_newest_shared_check_in_not_a_days_average(
    as_user, therapist, world, frozen
):
    brief = read_brief(as_user(therapist), world.patient)
    latest = brief["checkins"]["latest"]
    # Today: the shared 7 at 09:00; the private 1 after it is not "latest".
    assert datetime.fromisoformat(latest["recorded_at"]) == world.checkins["d0"].recorded_at
    assert (latest["mood"], latest["anxiety"]) == (7, None)

    factories.checkin(
        world.patient, recorded_at=local(0, 10), mood=3, anxiety=8, energy=2, sleep_quality=4
    )
    brief = read_brief(as_user(therapist), world.patient)
    latest = brief["checkins"]["latest"]
    assert {name: latest[name] for name in ("mood", "sleep_quality", "anxiety", "energy")} == {
        "mood": 3,
        "sleep_quality": 4,
        "anxiety": 8,
        "energy": 2,
    }
    # The day's average is another figure: (7 + 3) / 2.
    assert brief["mood"]["days"][-1]["average"] == 5.0


def test_days_without_a_shared_check_in(as_user, therapist, world, frozen):
    # 9 to 15 June: shared check-ins on the 10th, 13th and 15th (today).
    assert read_brief(as_user(therapist), world.patient)["checkins"]["adherence"] == {
        "days": 7,
        "with_checkin": 3,
        "without_checkin": 4,
        "longest_gap_days": 2,
    }


def test_today_without_a_check_in_yet_is_not_missed():
    assert adherence([1, 0, 0, 2, 0]) == {
        "days": 4,
        "with_checkin": 2,
        "without_checkin": 2,
        "longest_gap_days": 2,
    }
    assert adherence([0, 0, 0, 1]) == {
        "days": 4,
        "with_checkin": 1,
        "without_checkin": 3,
        "longest_gap_days": 3,
    }
    assert adherence([0]) == {
        "days": 0,
        "with_checkin": 0,
        "without_checkin": 0,
        "longest_gap_days": 0,
    }


def test_the_last_dose_names_date_route_dose_and_setting(as_user, therapist, world, frozen):
    last = read_brief(as_user(therapist), world.patient)["last_dose"]
    k2 = world.sessions["k2"]
    assert last["ketamine_session_id"] == str(k2.id)
    assert datetime.fromisoformat(last["scheduled_at"]) == k2.scheduled_at
    assert (last["route"], last["dose_mg"], last["setting"]) == ("im", 35.0, k2.setting)


def test_a_cancelled_dose_is_not_the_last_dose_nor_a_dose_day(as_user, therapist, world, frozen):
    factories.ketamine_session(
        world.patient, scheduled_at=NOW - timedelta(days=1), status="cancelled"
    )
    brief = read_brief(as_user(therapist), world.patient)
    assert brief["last_dose"]["ketamine_session_id"] == str(world.sessions["k2"].id)
    assert brief["checkins"]["dose_days"] == ["2025-06-10"]


def test_a_new_patient_has_no_figures(as_user, clinic, therapist, frozen):
    patient = factories.user(clinic, "patient", therapist=therapist)
    brief = read_brief(as_user(therapist), patient)
    checkins = brief["checkins"]
    assert checkins["latest"] is None and checkins["dose_days"] == []
    assert all(scale["checkin_count"] == 0 for scale in checkins["scales"].values())
    # 30 days and today, today not yet over: 30 days without a check-in.
    assert checkins["adherence"]["without_checkin"] == 30
    assert brief["last_dose"] is None
    assert date.fromisoformat(checkins["days"][-1]["date"]) == NOW.date()


def test_a_check_in_from_a_phone_abroad_keeps_its_own_day(as_user, therapist, world, frozen):
    from datetime import timezone

    # An hour ago, from a phone in Brisbane: already tomorrow there (01:00 on the 16th),
    # while it is still the 15th in New York, the patient's own zone.
    abroad = (NOW - timedelta(hours=1)).astimezone(timezone(timedelta(hours=10)))
    factories.checkin(world.patient, recorded_at=abroad, mood=9)
    brief = read_brief(as_user(therapist), world.patient)
    days = {day["date"]: day for day in brief["checkins"]["days"]}
    # It counts in the figures, so it shows on its day too: never in one and not the other.
    assert brief["checkins"]["scales"]["mood"]["checkin_count"] == 5
    assert days["2025-06-16"]["checkin_count"] == 1 and days["2025-06-16"]["mood"] == 9.0
    assert sum(day["checkin_count"] for day in brief["mood"]["days"]) == 5
