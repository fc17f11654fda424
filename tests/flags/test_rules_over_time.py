"""Flags from check-ins: a sharp mood drop, and silence after a dosing session."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select, update

from server.db import utcnow
from server.extensions import db
from server.flags.models import Flag
from server.flags.services import scan_missed_checkins
from server.journal.models import CheckIn
from tests import factories


def kinds(patient):
    return sorted(db.session.scalars(select(Flag.kind).where(Flag.patient_id == patient.id)))


def test_a_mood_3_below_the_weeks_shared_average_is_flagged(checkin, patient):
    now = utcnow()
    for days, mood in ((6, 8), (4, 7), (2, 8)):
        checkin(patient, mood, now - timedelta(days=days))
    low = checkin(patient, 4, now)  # average 7.67: 3.67 below
    flag = db.session.scalar(select(Flag))
    assert (flag.kind, flag.severity, flag.source_id) == ("mood_drop", "warning", low.id)


def test_a_smaller_drop_is_not_flagged(checkin, patient):
    now = utcnow()
    checkin(patient, 7, now - timedelta(days=1))
    checkin(patient, 8, now - timedelta(days=2))
    checkin(patient, 5, now)  # 7.5 average: 2.5 below
    assert kinds(patient) == []


def test_check_ins_older_than_a_week_do_not_count(checkin, patient):
    now = utcnow()
    checkin(patient, 10, now - timedelta(days=9))
    checkin(patient, 6, now - timedelta(days=1))
    checkin(patient, 4, now)
    assert kinds(patient) == []


def test_private_check_ins_neither_raise_nor_count(checkin, patient):
    now = utcnow()
    checkin(patient, 9, now - timedelta(days=2), shared=False)
    checkin(patient, 5, now - timedelta(days=1))
    checkin(patient, 3, now)  # 2 below the shared 5; the private 9 is not in the average
    checkin(patient, 0, now + timedelta(minutes=1), shared=False)
    assert kinds(patient) == []


def test_the_mood_drop_flag_is_hidden_when_its_check_in_becomes_private(
    as_user, checkin, therapist, patient
):
    now = utcnow()
    checkin(patient, 8, now - timedelta(days=1))
    low = checkin(patient, 2, now)
    client = as_user(therapist)
    assert [f["kind"] for f in client.get("/api/v1/flags").get_json()["items"]] == ["mood_drop"]
    # As the journal does when the patient makes it private.
    db.session.execute(update(CheckIn).where(CheckIn.id == low.id).values(shared=False))
    db.session.commit()
    assert client.get("/api/v1/flags").get_json()["items"] == []


def dose(patient, ago: timedelta, **fields):
    return factories.ketamine_session(patient, scheduled_at=utcnow() - ago, **fields)


def test_no_shared_check_in_in_the_3_days_after_a_dose_is_flagged_once(patient):
    session = dose(patient, timedelta(days=4))
    raised = scan_missed_checkins(utcnow())
    assert [(f.kind, f.source_id) for f in raised] == [("missed_checkins", session.id)]
    assert scan_missed_checkins(utcnow()) == []
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 1


def test_a_shared_check_in_after_the_dose_means_nothing_is_missed(checkin, patient):
    session = dose(patient, timedelta(days=4))
    checkin(patient, 6, session.scheduled_at + timedelta(hours=30))
    assert scan_missed_checkins(utcnow()) == []


def test_only_private_check_ins_look_like_silence_to_the_care_team(checkin, patient):
    session = dose(patient, timedelta(days=4))
    checkin(patient, 6, session.scheduled_at + timedelta(hours=30), shared=False)
    assert [f.kind for f in scan_missed_checkins(utcnow())] == ["missed_checkins"]


def test_a_check_in_before_the_dose_does_not_count(checkin, patient):
    session = dose(patient, timedelta(days=4))
    checkin(patient, 6, session.scheduled_at - timedelta(hours=1))
    assert len(scan_missed_checkins(utcnow())) == 1


def test_nothing_is_flagged_while_early_integration_lasts_or_long_after(patient):
    dose(patient, timedelta(hours=60))
    dose(patient, timedelta(days=30))
    dose(patient, timedelta(days=5), status="cancelled")
    assert scan_missed_checkins(utcnow()) == []


def test_flags_scan_command(runner, patient):
    dose(patient, timedelta(days=4))
    result = runner.invoke(args=["flags", "scan"])
    assert result.exit_code == 0, result.output
    assert "1 new flag" in result.output
    assert str(patient.id) not in result.output
    again = runner.invoke(args=["flags", "scan"])
    assert "0 new flag" in again.output


def test_a_check_in_posted_by_the_app_raises_the_flag_and_unsharing_hides_it(
    as_user, therapist, patient
):
    client = as_user(patient)
    now = utcnow()
    for hours, mood in ((48, 8), (24, 7)):
        posted = client.post(
            "/api/v1/checkins",
            json={
                "id": str(uuid.uuid4()),
                "recorded_at": (now - timedelta(hours=hours)).isoformat(),
                "mood": mood,
            },
        )
        assert posted.status_code == 201, posted.get_json()
    low = client.post(
        "/api/v1/checkins",
        json={"id": str(uuid.uuid4()), "recorded_at": now.isoformat(), "mood": 3},
    ).get_json()
    staff = as_user(therapist)
    (flag,) = staff.get("/api/v1/flags").get_json()["items"]
    assert flag["kind"] == "mood_drop" and flag["source_id"] == low["id"]
    assert "3" not in flag["description"]
    unshared = client.patch(
        f"/api/v1/checkins/{low['id']}", json={"version": low["version"], "shared": False}
    )
    assert unshared.status_code == 200
    assert staff.get("/api/v1/flags").get_json()["items"] == []


def test_deleting_the_check_in_hides_its_mood_drop_flag(as_user, therapist, patient):
    client = as_user(patient)
    now = utcnow()
    body = {"recorded_at": (now - timedelta(days=1)).isoformat(), "mood": 9}
    client.post("/api/v1/checkins", json={"id": str(uuid.uuid4()), **body})
    low = client.post(
        "/api/v1/checkins",
        json={"id": str(uuid.uuid4()), "recorded_at": now.isoformat(), "mood": 2},
    ).get_json()
    staff = as_user(therapist)
    assert len(staff.get("/api/v1/flags").get_json()["items"]) == 1
    assert client.delete(f"/api/v1/checkins/{low['id']}").status_code == 204
    assert staff.get("/api/v1/flags").get_json()["items"] == []
