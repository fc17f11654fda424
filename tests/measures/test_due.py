"""What is due: ask now, baseline, end of series, every two weeks or monthly; PCL-5 monthly."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.audit.models import AuditEvent
from server.db import utcnow
from server.extensions import db
from server.measures.queries import due_measures
from tests import factories

DUE = "/api/v1/measures/due"
NEW_YORK = ZoneInfo("America/New_York")


def due(patient, now):
    return {item["instrument"]: item for item in due_measures(patient, now)}


@pytest.fixture
def now():
    # A fixed Wednesday noon in New York (the patient's zone), away from DST changes.
    return datetime(2026, 3, 18, 12, 0, tzinfo=NEW_YORK).astimezone(UTC)


def test_a_new_patient_owes_a_phq9_and_gad7_baseline(patient, now):
    items = due(patient, now)
    assert set(items) == {"phq9", "gad7"}
    assert {item["reason"] for item in items.values()} == {"baseline"}
    assert items["phq9"]["due_since"] == patient.created_at


def test_a_baseline_answered_before_the_first_dose_is_not_asked_again(patient, now):
    factories.ketamine_session(patient, scheduled_at=now + timedelta(days=10))
    factories.measure_response(patient, "phq9", completed_at=now - timedelta(days=1))
    assert set(due(patient, now)) == {"gad7"}


def test_the_baseline_is_asked_again_in_the_14_days_before_a_series_starts(patient, now):
    # Dose on Friday 2 April 10:00 local; the window opens at 00:00 local 19 March.
    friday = datetime(2026, 4, 3, 10, 0, tzinfo=NEW_YORK)
    session = factories.ketamine_session(patient, scheduled_at=friday)
    for instrument in ("phq9", "gad7"):
        factories.measure_response(patient, instrument, completed_at=now - timedelta(days=5))
    assert due(patient, now) == {}
    opened = datetime(2026, 3, 20, 0, 30, tzinfo=NEW_YORK)
    items = due(patient, opened)
    assert {item["reason"] for item in items.values()} == {"baseline"}
    assert items["phq9"]["ketamine_session_id"] == session.id
    assert items["phq9"]["due_since"] == datetime(2026, 3, 20, 0, 0, tzinfo=NEW_YORK)
    assert items["phq9"]["reason_text"].startswith("before the first dosing session")
    factories.measure_response(patient, "phq9", completed_at=opened)
    assert set(due(patient, opened + timedelta(minutes=5))) == {"gad7"}


def test_end_of_series_once_the_rhythm_has_passed_until_7_days_after_the_last_dose(patient, now):
    # Tuesday, Friday, Tuesday: the longest gap is 4 days, so with nothing booked
    # after the third dose the series has ended on Saturday 14 March.
    for day in (3, 6):
        factories.ketamine_session(
            patient, scheduled_at=datetime(2026, 3, day, 10, 0, tzinfo=NEW_YORK)
        )
    dosed = datetime(2026, 3, 10, 10, 0, tzinfo=NEW_YORK)
    session = factories.ketamine_session(patient, scheduled_at=dosed)
    for instrument in ("phq9", "gad7"):
        factories.measure_response(patient, instrument, completed_at=dosed - timedelta(days=8))
    assert due(patient, datetime(2026, 3, 13, 23, 0, tzinfo=NEW_YORK)) == {}
    opened = datetime(2026, 3, 14, 0, 5, tzinfo=NEW_YORK)
    items = due(patient, opened)
    assert {item["reason"] for item in items.values()} == {"end_of_series"}
    assert items["gad7"]["reason_text"] == "end of your treatment series"
    assert items["gad7"]["ketamine_session_id"] == session.id
    assert items["gad7"]["due_since"] == datetime(2026, 3, 14, 0, 0, tzinfo=NEW_YORK)
    assert set(due(patient, datetime(2026, 3, 17, 23, 0, tzinfo=NEW_YORK))) == {"phq9", "gad7"}
    # Day 8: the window has closed; two weeks after the first dose the regular rule asks.
    late = due(patient, datetime(2026, 3, 18, 0, 5, tzinfo=NEW_YORK))
    assert {item["reason"] for item in late.values()} == {"every_two_weeks"}


def test_after_a_single_dose_the_end_of_series_waits_for_day_7(patient, now):
    # One dose shows no rhythm: the next may be booked any day, so not "the end" yet.
    dosed = datetime(2026, 3, 10, 10, 0, tzinfo=NEW_YORK)
    factories.ketamine_session(patient, scheduled_at=dosed)
    for instrument in ("phq9", "gad7"):
        factories.measure_response(patient, instrument, completed_at=dosed - timedelta(days=3))
    assert due(patient, datetime(2026, 3, 16, 23, 0, tzinfo=NEW_YORK)) == {}
    items = due(patient, datetime(2026, 3, 17, 0, 5, tzinfo=NEW_YORK))
    assert {item["reason"] for item in items.values()} == {"end_of_series"}
    assert due(patient, datetime(2026, 3, 18, 0, 5, tzinfo=NEW_YORK)) == {}


def test_no_end_of_series_while_another_dose_of_the_series_is_booked(patient, now):
    dosed = now - timedelta(days=2)
    factories.ketamine_session(patient, scheduled_at=dosed)
    factories.ketamine_session(patient, scheduled_at=now + timedelta(days=1))
    for instrument in ("phq9", "gad7"):
        factories.measure_response(patient, instrument, completed_at=dosed - timedelta(days=1))
    assert due(patient, now) == {}


def test_every_two_weeks_in_a_series_and_monthly_in_maintenance(patient, now):
    first = now - timedelta(days=40)
    for day in (0, 7, 14, 21):
        factories.ketamine_session(patient, scheduled_at=first + timedelta(days=day))
    # Last dose 19 days ago: still in the series; last answer 13 days ago.
    answered = now - timedelta(days=13)
    for instrument in ("phq9", "gad7"):
        factories.measure_response(patient, instrument, completed_at=answered)
    assert due(patient, now) == {}
    # Answered 11:00 on 5 March; summer time began on the 8th. Two weeks on the
    # patient's clock is 11:00 on the 19th, not 12:00 (14 times 24 hours).
    two_weeks = datetime(2026, 3, 19, 11, 0, tzinfo=NEW_YORK)
    assert answered.astimezone(NEW_YORK) == datetime(2026, 3, 5, 11, 0, tzinfo=NEW_YORK)
    assert due(patient, two_weeks - timedelta(minutes=1)) == {}
    items = due(patient, two_weeks)
    assert {item["reason"] for item in items.values()} == {"every_two_weeks"}
    assert items["gad7"]["due_since"] == two_weeks
    # 4 weeks after the last dose: maintenance, monthly from the last answer.
    later = first + timedelta(days=21, weeks=4)
    assert due(patient, later) == {}
    items = due(patient, answered + timedelta(days=30))
    assert {item["reason"] for item in items.values()} == {"monthly"}
    assert items["phq9"]["due_since"] == datetime(2026, 4, 4, 11, 0, tzinfo=NEW_YORK)


def test_ask_now_makes_it_due_until_answered(as_user, therapist, patient, now):
    for instrument in ("phq9", "gad7"):
        factories.measure_response(patient, instrument, completed_at=utcnow())
    url = f"/api/v1/patients/{patient.id}/measure-plan"
    assert as_user(patient).get(DUE).get_json()["items"] == []
    refused = as_user(therapist).patch(url, json={"ask_now": ["pcl5"]})
    assert refused.status_code == 422 and "ask_now" in refused.get_json()["errors"]
    asked = as_user(therapist).patch(url, json={"ask_now": ["gad7"]}).get_json()
    assert [(i["instrument"], i["reason"]) for i in asked["due"]] == [("gad7", "asked")]
    items = as_user(patient).get(DUE).get_json()["items"]
    assert [(i["instrument"], i["reason_text"]) for i in items] == [
        ("gad7", "your therapist asked for it")
    ]
    factories.measure_response(patient, "gad7", completed_at=utcnow() + timedelta(seconds=1))
    assert as_user(patient).get(DUE).get_json()["items"] == []


def test_pcl5_only_when_the_therapist_turns_it_on(as_user, therapist, patient, now):
    for instrument in ("phq9", "gad7"):
        factories.measure_response(patient, instrument, completed_at=utcnow())
    assert "pcl5" not in due(patient, utcnow())
    plan_url = f"/api/v1/patients/{patient.id}/measure-plan"
    changed = as_user(therapist).patch(plan_url, json={"pcl5": True})
    assert changed.status_code == 200
    body = changed.get_json()
    assert (body["phq9"], body["gad7"], body["pcl5"]) == (True, True, True)
    assert [(i["instrument"], i["reason"]) for i in body["due"]] == [("pcl5", "baseline")]
    pcl5 = due(patient, utcnow())["pcl5"]
    assert pcl5["reason"] == "baseline" and pcl5["due_since"] > patient.created_at
    assert db.session.query(AuditEvent).filter_by(action="measure_plan_changed").count() == 1


def test_pcl5_monthly_after_the_last_one(patient, now):
    from server.measures.models import MeasurePlan

    db.session.add(MeasurePlan(patient_id=patient.id, phq9=False, gad7=False, pcl5=True))
    db.session.commit()
    factories.ketamine_session(patient, scheduled_at=now - timedelta(days=60))
    last = now - timedelta(days=31)
    factories.measure_response(patient, "pcl5", completed_at=last)
    assert due(patient, now)["pcl5"] == {
        "instrument": "pcl5",
        "reason": "monthly",
        "reason_text": "monthly check",
        # 30 days on the patient's clock: 11:00 on 15 February, 11:00 on 17 March.
        "due_since": datetime(2026, 3, 17, 11, 0, tzinfo=NEW_YORK),
        "ketamine_session_id": None,
    }
    assert due(patient, last + timedelta(days=29)) == {}


def test_switching_everything_off_leaves_nothing_due(as_user, therapist, patient):
    url = f"/api/v1/patients/{patient.id}/measure-plan"
    as_user(therapist).patch(url, json={"phq9": False, "gad7": False})
    assert as_user(patient).get(DUE).get_json() == {"items": []}


def test_the_patient_reads_what_is_due(as_user, patient):
    items = as_user(patient).get(DUE).get_json()["items"]
    assert [(i["instrument"], i["reason"]) for i in items] == [
        ("phq9", "baseline"),
        ("gad7", "baseline"),
    ]


def test_only_the_care_team_reads_or_changes_the_plan(as_user, clinic, therapist, patient):
    url = f"/api/v1/patients/{patient.id}/measure-plan"
    colleague = as_user(factories.user(clinic, "therapist"))
    foreign = as_user(factories.user(factories.clinic(), "therapist"))
    for client in (colleague, foreign):
        assert client.get(url).status_code == 404
        assert client.patch(url, json={"pcl5": True}).status_code == 404
    assert as_user(patient).patch(url, json={"pcl5": True}).status_code == 403
    assert as_user(therapist).get(url).get_json()["pcl5"] is False
    assert as_user(therapist).patch(url, json={}).status_code == 422
