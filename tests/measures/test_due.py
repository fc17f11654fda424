"""What is due: baseline, the day before each dose, weekly in integration, PCL-5 monthly."""

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


def test_the_day_before_a_dose_both_are_due_again(patient, now):
    # Dose on Friday 10:00 local; from Thursday 00:00 local they are due.
    friday = datetime(2026, 3, 20, 10, 0, tzinfo=NEW_YORK)
    session = factories.ketamine_session(patient, scheduled_at=friday)
    for instrument in ("phq9", "gad7"):
        factories.measure_response(patient, instrument, completed_at=now - timedelta(days=5))
    assert due(patient, now) == {}
    thursday_early = datetime(2026, 3, 19, 0, 30, tzinfo=NEW_YORK)
    items = due(patient, thursday_early)
    assert {item["reason"] for item in items.values()} == {"before_dosing"}
    assert items["phq9"]["ketamine_session_id"] == session.id
    assert items["phq9"]["due_since"] == datetime(2026, 3, 19, 0, 0, tzinfo=NEW_YORK)
    factories.measure_response(patient, "phq9", completed_at=thursday_early)
    assert set(due(patient, thursday_early + timedelta(minutes=5))) == {"gad7"}


def test_weekly_during_integration(patient, now):
    dosed = now - timedelta(days=9)
    factories.ketamine_session(patient, scheduled_at=dosed, status="completed")
    for instrument in ("phq9", "gad7"):
        factories.measure_response(patient, instrument, completed_at=dosed - timedelta(days=1))
    items = due(patient, now)
    assert {item["reason"] for item in items.values()} == {"weekly"}
    assert items["phq9"]["due_since"] == dosed + timedelta(days=7)
    factories.measure_response(patient, "gad7", completed_at=now - timedelta(hours=1))
    assert set(due(patient, now)) == {"phq9"}
    assert due(patient, dosed + timedelta(days=5)) == {}


def test_pcl5_only_when_the_therapist_turns_it_on(as_user, therapist, patient, now):
    for instrument in ("phq9", "gad7"):
        factories.measure_response(patient, instrument, completed_at=utcnow())
    assert "pcl5" not in due(patient, utcnow())
    plan_url = f"/api/v1/patients/{patient.id}/measure-plan"
    changed = as_user(therapist).patch(plan_url, json={"pcl5": True})
    assert changed.status_code == 200
    assert changed.get_json() | {"updated_at": None} == {
        "patient_id": str(patient.id),
        "phq9": True,
        "gad7": True,
        "pcl5": True,
        "updated_at": None,
    }
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
        "due_since": last + timedelta(days=30),
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
