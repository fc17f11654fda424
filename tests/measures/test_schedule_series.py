"""The schedule over 12 weeks of three real series, and the series rules.

A patient joins two weeks before the first dose (Monday 4 January 2027,
10:00 New York), opens the app at 09:00 every day and answers whatever is
due at once. The due dates below are the whole schedule each series makes:
first from the pure rules, then through the app (booked sessions, stored
answers, `GET /measures/due`), which must ask on the same days.
"""

import itertools
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.extensions import db
from server.measures import schedule, series
from server.measures.models import MeasurePlan
from tests import factories

NEW_YORK = ZoneInfo("America/New_York")
FIRST_DOSE = datetime(2027, 1, 4, 10, 0, tzinfo=NEW_YORK)
JOINED = datetime(2026, 12, 21, 8, 0, tzinfo=NEW_YORK)
TWELVE_WEEKS = FIRST_DOSE + timedelta(weeks=12)


def doses(days: list[int]) -> list[tuple[uuid.UUID, datetime]]:
    return [(uuid.uuid4(), FIRST_DOSE + timedelta(days=day)) for day in days]


#: Six doses each: an IV series three times a week (Mon, Wed, Fri), twice a
#: week (Mon, Thu) and weekly.
THREE_TIMES_WEEKLY = [0, 2, 4, 7, 9, 11]
TWICE_WEEKLY = [0, 3, 7, 10, 14, 17]
WEEKLY = [0, 7, 14, 21, 28, 35]


def simulate(days: list[int], booked_late: bool = False) -> dict[str, list[tuple[date, str]]]:
    """Every questionnaire asked and answered, per instrument: (local day, reason).

    All doses are booked before the first, or (`booked_late`) each one a day
    after the dose before it, as a clinic that books from visit to visit.
    """
    booked = doses(days)
    booked_at = [JOINED] + [at + timedelta(days=1) for _, at in booked[:-1]]
    latest: dict[str, datetime] = {}
    answered: dict[str, list[tuple[date, str]]] = {"phq9": [], "gad7": [], "pcl5": []}
    day = JOINED.date()
    while day < TWELVE_WEEKS.date():
        now = datetime.combine(day, time(9, 0), tzinfo=NEW_YORK)
        sessions = [
            s for s, at in zip(booked, booked_at, strict=True) if at <= now or not booked_late
        ]
        for item in schedule.due(
            ("phq9", "gad7", "pcl5"),
            all_series=series.split(sessions, []),
            sessions=sessions,
            latest=latest,
            asked={},
            now=now,
            time_zone="America/New_York",
            joined_at=JOINED,
            plan_changed_at=JOINED,
        ):
            latest[item["instrument"]] = now
            answered[item["instrument"]].append((day, item["reason"]))
        day += timedelta(days=1)
    return answered


def d(month: int, day: int) -> date:
    return date(2027 if month < 12 else 2026, month, day)


#: The end of a series opens when its rhythm has passed with no dose booked:
#: Monday after the last Friday (3x), Monday after the last Thursday (2x), a
#: week after the last weekly dose.
EXPECTED = {
    "three times weekly": (
        THREE_TIMES_WEEKLY,
        [
            (d(12, 21), "baseline"),
            (d(1, 18), "end_of_series"),
            (d(2, 1), "every_two_weeks"),
            (d(3, 3), "monthly"),
        ],
        [
            (d(12, 21), "baseline"),
            (d(1, 18), "end_of_series"),
            (d(2, 17), "monthly"),
            (d(3, 19), "monthly"),
        ],
    ),
    "twice weekly": (
        TWICE_WEEKLY,
        [
            (d(12, 21), "baseline"),
            (d(1, 19), "every_two_weeks"),
            (d(1, 25), "end_of_series"),
            (d(2, 8), "every_two_weeks"),
            (d(3, 10), "monthly"),
        ],
        [
            (d(12, 21), "baseline"),
            (d(1, 20), "monthly"),
            (d(1, 25), "end_of_series"),
            (d(2, 24), "monthly"),
            (d(3, 26), "monthly"),
        ],
    ),
    "weekly": (
        WEEKLY,
        [
            (d(12, 21), "baseline"),
            (d(1, 19), "every_two_weeks"),
            (d(2, 2), "every_two_weeks"),
            (d(2, 15), "end_of_series"),
            (d(3, 1), "every_two_weeks"),
        ],
        [
            (d(12, 21), "baseline"),
            (d(1, 20), "monthly"),
            (d(2, 15), "end_of_series"),
            (d(3, 17), "monthly"),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_schedule_of_each_series_over_12_weeks(name):
    days, phq9, pcl5 = EXPECTED[name]
    answered = simulate(days)
    assert answered["phq9"] == phq9
    assert answered["gad7"] == phq9
    assert answered["pcl5"] == pcl5


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_app_asks_on_the_same_days(name, as_user, clock, clinic, therapist):
    days, phq9, pcl5 = EXPECTED[name]
    patient = factories.user(
        clinic, "patient", therapist=therapist, created_at=JOINED, time_zone="America/New_York"
    )
    db.session.add(
        MeasurePlan(patient_id=patient.id, phq9=True, gad7=True, pcl5=True, updated_at=JOINED)
    )
    for _, at in doses(days):
        factories.ketamine_session(patient, created_by=therapist, scheduled_at=at)
    client = as_user(patient)
    answered: dict[str, list[tuple[date, str]]] = {"phq9": [], "gad7": [], "pcl5": []}
    day = JOINED.date()
    while day < TWELVE_WEEKS.date():
        clock.now = datetime.combine(day, time(9, 0), tzinfo=NEW_YORK)
        for item in client.get("/api/v1/measures/due").get_json()["items"]:
            name_ = item["instrument"]
            count = len(client.get(f"/api/v1/measures/{name_}").get_json()["items"])
            made = client.post(
                f"/api/v1/measures/{name_}/responses",
                json={"id": str(uuid.uuid4()), "answers": [0] * count},
            )
            assert made.status_code == 201, made.get_json()
            answered[name_].append((day, item["reason"]))
        day += timedelta(days=1)
    assert answered == {"phq9": phq9, "gad7": phq9, "pcl5": pcl5}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_booking_from_visit_to_visit_asks_on_the_same_days(name):
    """The end of a series is only known once its rhythm has passed with no dose
    booked, so a clinic booking each dose the day after the one before is not
    asked "end of your treatment series" after every dose (it was, six times)."""
    days, phq9, pcl5 = EXPECTED[name]
    answered = simulate(days, booked_late=True)
    assert answered == {"phq9": phq9, "gad7": phq9, "pcl5": pcl5}
    assert [reason for _, reason in answered["phq9"]].count("end_of_series") == 1


@pytest.mark.parametrize("days", [THREE_TIMES_WEEKLY, TWICE_WEEKLY, WEEKLY])
def test_two_week_recall_is_never_asked_within_14_days_but_for_the_two_exceptions(days):
    asked = simulate(days)["phq9"]
    for (before, _), (after, reason) in itertools.pairwise(asked):
        assert after - before >= timedelta(days=14) or reason in ("baseline", "end_of_series")
    # The old rule asked before every dose and weekly: seven PHQ-9s in sixteen days.
    first_sixteen = [day for day, _ in asked if day < FIRST_DOSE.date() + timedelta(days=16)]
    assert len(first_sixteen) <= 2


def test_a_series_starts_after_more_than_8_weeks_without_dosing_or_where_marked():
    sessions = doses([0, 7, 63, 63 + 56, 63 + 56 + 57, 63 + 56 + 57 + 14])
    split = series.split(sessions, [])
    assert [len(one.session_times) for one in split] == [4, 2]
    assert split[1].first_session_id == sessions[4][0] and not split[1].marked
    marked = series.split(sessions, [sessions[2][0]])
    assert [len(one.session_times) for one in marked] == [2, 2, 2]
    assert marked[1].marked


def test_the_nadir_is_the_best_score_since_the_series_began():
    sessions = doses([0, 7])
    rows = [
        series.Row(uuid.uuid4(), "phq9", FIRST_DOSE + timedelta(days=day), total)
        for day, total in [(-3, 20), (5, 9), (12, 6), (20, 11), (27, 12)]
    ]
    contexts = series.contexts(rows, series.split(sessions, []))
    found = [contexts[row.id] for row in rows]
    assert [c.nadir_total for c in found] == [None, None, 9, 6, 6]
    assert [c.baseline_total for c in found] == [None, 20, 20, 20, 20]
    assert not series.rises_above_nadir(found[3], 11, 6)
    assert series.rises_above_nadir(found[4], 12, 6)
