"""What the patient's Today screen reads: sessions ahead, the dosing day, the intention back,
and the check after a dose when it falls due. `now` is fixed: nothing depends on the hour."""

import uuid
from datetime import UTC, datetime, time, timedelta

from server.companion import queries, services
from server.companion.schedule import next_day_check_due
from server.extensions import db
from tests import factories
from tests.companion.helpers import answers

NOW = datetime(2030, 3, 6, 15, 0, tzinfo=UTC)  # 10:00 in New York


def test_sessions_ahead_name_the_place_route_and_order(patient, therapist):
    later = factories.ketamine_session(
        patient, scheduled_at=NOW + timedelta(days=9), route="intranasal", setting="home"
    )
    soon = factories.ketamine_session(patient, scheduled_at=NOW + timedelta(days=2), route="im")
    factories.ketamine_session(patient, scheduled_at=NOW + timedelta(days=1), status="cancelled")
    talk = factories.integration_session(patient, therapist, scheduled_at=NOW + timedelta(days=3))
    found = queries.summary(patient, NOW)
    assert found.next_dosing["id"] == soon.id and found.next_dosing["route"] == "im"
    assert found.next_integration["id"] == talk.id
    assert [(v["id"], v["kind"]) for v in found.upcoming] == [
        (soon.id, "dosing"),
        (talk.id, "integration"),
        (later.id, "dosing"),
    ]
    assert found.upcoming[2]["place"] == "At home"
    assert found.upcoming[0]["place"] == found.clinic_name


def test_the_dosing_day_holds_prompts_for_three_hours_and_the_intention_comes_back(patient):
    dose = factories.ketamine_session(patient, scheduled_at=NOW - timedelta(hours=1))
    services.create_intention(
        patient,
        {"id": uuid.uuid4(), "ketamine_session_id": dose.id, "body": "To listen", "shared": True},
    )
    db.session.commit()
    found = queries.summary(patient, NOW)
    assert found.dosing_day["ketamine_session_id"] == dose.id
    assert found.dosing_day["prompts_from"] == dose.scheduled_at + timedelta(hours=3)
    assert found.intention_back["intention"].body == "To listen"
    a_week_on = queries.summary(patient, NOW + timedelta(days=8))
    assert a_week_on.intention_back is None and a_week_on.dosing_day is None


def test_the_check_after_a_dose_falls_due_the_next_morning_until_answered(patient):
    dose = factories.ketamine_session(patient, scheduled_at=NOW)  # 10:00 local
    assert queries.summary(patient, NOW + timedelta(hours=12)).after_dose_check is None
    morning = datetime(2030, 3, 7, 14, 0, tzinfo=UTC)  # 09:00 in New York
    due = queries.summary(patient, morning).after_dose_check
    assert due["ketamine_session_id"] == dose.id and due["due_at"] == morning
    services.create_after_dose_check(
        patient,
        {
            "id": uuid.uuid4(),
            "ketamine_session_id": dose.id,
            "answers": answers(),
            "answered_at": morning,
        },
    )
    db.session.commit()
    assert queries.summary(patient, morning + timedelta(hours=1)).after_dose_check is None


def test_the_summary_reads_in_a_fixed_number_of_statements(patient, therapist, count_statements):
    def statements():
        with count_statements() as counted:
            queries.summary(patient, NOW)
        return len(counted)

    factories.ketamine_session(patient, scheduled_at=NOW - timedelta(hours=30))
    factories.ketamine_session(patient, scheduled_at=NOW + timedelta(hours=2))
    db.session.expire_all()
    few = statements()
    for day in range(1, 8):
        factories.ketamine_session(patient, scheduled_at=NOW - timedelta(days=day))
        factories.ketamine_session(patient, scheduled_at=NOW + timedelta(days=day * 3))
        factories.integration_session(patient, therapist, scheduled_at=NOW + timedelta(days=day))
    db.session.expire_all()
    assert statements() == few


def test_the_care_team_view_reads_in_a_fixed_number_of_statements(
    patient, therapist, count_statements
):
    def statements():
        with count_statements() as counted:
            queries.care_team_view(patient, NOW)
        return len(counted)

    factories.ketamine_session(patient, scheduled_at=NOW + timedelta(hours=2))
    db.session.expire_all()
    few = statements()
    for day in range(1, 8):
        dose = factories.ketamine_session(patient, scheduled_at=NOW - timedelta(days=day))
        services.create_intention(
            patient,
            {"id": uuid.uuid4(), "ketamine_session_id": dose.id, "body": "x", "shared": True},
        )
    db.session.commit()
    db.session.expire_all()
    assert statements() == few


# -- when the check is pushed: the patient's zone, DST and quiet hours --------------------------


def _patient(clinic, zone, quiet=(None, None)):
    return factories.user(
        clinic, "patient", time_zone=zone, quiet_hours_start=quiet[0], quiet_hours_end=quiet[1]
    )


def test_the_check_is_due_at_nine_local_across_the_spring_dst_change(clinic):
    patient = _patient(clinic, "America/New_York")
    # Saturday 7 March 2026, 14:00 EST; clocks go forward that night.
    dose = datetime(2026, 3, 7, 19, 0, tzinfo=UTC)
    due = next_day_check_due(dose, patient)
    assert due == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # 09:00 EDT, not 09:00 EST


def test_the_check_is_due_at_nine_local_across_the_autumn_dst_change(clinic):
    patient = _patient(clinic, "Europe/London")
    dose = datetime(2026, 10, 24, 11, 0, tzinfo=UTC)  # Saturday 12:00 BST
    assert next_day_check_due(dose, patient) == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)


def test_the_check_waits_for_the_end_of_quiet_hours(clinic):
    patient = _patient(clinic, "Australia/Sydney", quiet=(time(21, 0), time(10, 30)))
    dose = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 12:00 in Sydney
    assert next_day_check_due(dose, patient) == datetime(2026, 6, 2, 0, 30, tzinfo=UTC)


def test_a_late_evening_dose_is_still_checked_the_next_morning(clinic):
    patient = _patient(clinic, "America/Los_Angeles")
    dose = datetime(2026, 7, 2, 5, 30, tzinfo=UTC)  # 22:30 on 1 July in Los Angeles
    assert next_day_check_due(dose, patient) == datetime(2026, 7, 2, 16, 0, tzinfo=UTC)
