"""Flags from check-ins: a mood drop, a sustained low mood, silence after a dosing session."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select, update

from server.db import utcnow
from server.extensions import db
from server.flags.checkin_rules import scan_missed_checkins
from server.flags.models import Flag
from server.journal.models import CheckIn
from tests import factories


def kinds(patient):
    return sorted(db.session.scalars(select(Flag.kind).where(Flag.patient_id == patient.id)))


USUAL = (7, 6, 7, 8, 7, 6, 7)  # a week of a steady patient: mean 6.86, spread 0.69


def usual_week(checkin, patient, now, moods=USUAL, **fields):
    """A shared check-in an evening for `len(moods)` days before `now`, oldest first."""
    for days, mood in zip(range(len(moods), 0, -1), moods, strict=True):
        checkin(patient, mood, now - timedelta(days=days), **fields)


def test_a_drop_large_against_the_patients_own_spread_is_flagged(checkin, patient):
    now = utcnow()
    usual_week(checkin, patient, now)
    low = checkin(patient, 3, now)  # 3.86 below; the spread's floor of 1 makes 3.5 enough
    flag = db.session.scalar(select(Flag))
    assert (flag.kind, flag.severity, flag.source_id) == ("mood_drop", "warning", low.id)


def test_a_drop_just_short_of_large_is_not_flagged(checkin, patient):
    now = utcnow()
    usual_week(checkin, patient, now)
    checkin(patient, 4, now)  # 2.86 below: under 3 points
    assert kinds(patient) == []


def test_a_drop_that_persists_is_flagged_on_its_second_day(checkin, patient):
    now = utcnow()
    usual_week(checkin, patient, now - timedelta(days=1))
    checkin(patient, 4, now - timedelta(days=1))  # one day 2.86 below: ordinary
    assert kinds(patient) == []
    second = checkin(patient, 4, now)  # two in a row: persists
    flag = db.session.scalar(select(Flag))
    assert (flag.kind, flag.source_id) == ("mood_drop", second.id)


def test_a_wide_spread_needs_a_wider_drop(checkin, patient):
    now = utcnow()
    wide = (9, 4, 8, 3, 9, 5, 8)  # mean 6.57, spread 2.37: 3.5 spreads is 8.3 points
    usual_week(checkin, patient, now, wide)
    checkin(patient, 1, now)  # 5.57 below: ordinary for this patient
    assert kinds(patient) == []


def test_too_little_history_judges_no_drop(checkin, patient):
    now = utcnow()
    usual_week(checkin, patient, now, USUAL[:6])  # 6 earlier check-ins; 7 are needed
    checkin(patient, 0, now)
    assert kinds(patient) == []


def test_check_ins_older_than_four_weeks_do_not_count(checkin, patient):
    now = utcnow()
    usual_week(checkin, patient, now - timedelta(days=29))
    checkin(patient, 3, now)
    assert kinds(patient) == []


def test_private_check_ins_neither_raise_nor_count(checkin, patient):
    now = utcnow()
    usual_week(checkin, patient, now, shared=False)
    checkin(patient, 0, now)  # no shared history to judge by
    checkin(patient, 0, now + timedelta(minutes=1), shared=False)
    assert kinds(patient) == []


def test_three_check_ins_in_a_row_at_2_or_below_are_a_sustained_low_mood(checkin, patient):
    now = utcnow()
    checkin(patient, 2, now - timedelta(days=2))
    checkin(patient, 1, now - timedelta(days=1))
    assert kinds(patient) == []
    third = checkin(patient, 2, now)
    flag = db.session.scalar(select(Flag))
    assert (flag.kind, flag.source_id) == ("low_mood", third.id)
    # A fourth low day updates the open flag instead of raising another.
    fourth = checkin(patient, 0, now + timedelta(hours=20))
    db.session.refresh(flag)
    assert kinds(patient) == ["low_mood"]
    assert (flag.occurrences, flag.latest_source_id) == (2, fourth.id)


def test_a_3_breaks_the_run_of_low_moods(checkin, patient):
    now = utcnow()
    for days, mood in ((3, 2), (2, 2), (1, 3)):
        checkin(patient, mood, now - timedelta(days=days))
    checkin(patient, 2, now)
    assert kinds(patient) == []


def test_a_private_low_check_in_is_not_part_of_the_run(checkin, patient):
    now = utcnow()
    checkin(patient, 1, now - timedelta(days=2))
    checkin(patient, 1, now - timedelta(days=1), shared=False)
    checkin(patient, 1, now)
    assert kinds(patient) == []


def test_the_mood_drop_flag_is_hidden_when_its_check_in_becomes_private(
    as_user, checkin, therapist, patient
):
    now = utcnow()
    usual_week(checkin, patient, now)
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
    for hours, mood in zip(range(7 * 24, 0, -24), USUAL, strict=True):
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


def test_a_low_check_in_kept_private_then_shared_is_judged_when_shared(
    as_user, checkin, therapist, patient
):
    client = as_user(patient)
    now = utcnow()
    usual_week(checkin, patient, now)
    low = client.post(
        "/api/v1/checkins",
        json={
            "id": str(uuid.uuid4()),
            "recorded_at": now.isoformat(),
            "mood": 2,
            "shared": False,
        },
    ).get_json()
    assert kinds(patient) == []  # private: no rule reads it
    shared = client.patch(
        f"/api/v1/checkins/{low['id']}", json={"version": low["version"], "shared": True}
    )
    assert shared.status_code == 200, shared.get_json()
    staff = as_user(therapist)
    (flag,) = staff.get("/api/v1/flags").get_json()["items"]
    assert flag["kind"] == "mood_drop" and flag["source_id"] == low["id"]
    # Private again, then shared again: the same cause, still one flag.
    version = shared.get_json()["version"]
    for value in (False, True):
        changed = client.patch(
            f"/api/v1/checkins/{low['id']}", json={"version": version, "shared": value}
        )
        assert changed.status_code == 200, changed.get_json()
        version = changed.get_json()["version"]
    assert kinds(patient) == ["mood_drop"]
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 1


def test_deleting_the_check_in_hides_its_mood_drop_flag(as_user, checkin, therapist, patient):
    client = as_user(patient)
    now = utcnow()
    usual_week(checkin, patient, now)
    low = client.post(
        "/api/v1/checkins",
        json={"id": str(uuid.uuid4()), "recorded_at": now.isoformat(), "mood": 2},
    ).get_json()
    staff = as_user(therapist)
    assert len(staff.get("/api/v1/flags").get_json()["items"]) == 1
    assert client.delete(f"/api/v1/checkins/{low['id']}").status_code == 204
    assert staff.get("/api/v1/flags").get_json()["items"] == []
