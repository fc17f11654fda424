"""Phases follow the schedule and the patient's own calendar, across zones and DST."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.care.phase import Phase, phase_at, phases_for
from server.extensions import db
from tests import factories

NEW_YORK = ZoneInfo("America/New_York")
AUCKLAND = ZoneInfo("Pacific/Auckland")


def local(tz, *args) -> datetime:
    return datetime(*args, tzinfo=tz)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def new_yorker(clinic, therapist):
    return factories.user(clinic, "patient", therapist=therapist, time_zone="America/New_York")


@pytest.fixture
def aucklander(clinic, therapist):
    return factories.user(clinic, "patient", therapist=therapist, time_zone="Pacific/Auckland")


def names(patient, *instants):
    return [phase_at(patient, at).name for at in instants]


def test_a_patient_with_no_sessions_is_preparing(new_yorker):
    assert phase_at(new_yorker, utc(2025, 6, 1, 12)) == Phase("preparation", None, None)


def test_the_whole_local_day_of_a_dose_is_dosing_day(new_yorker):
    dose = factories.ketamine_session(new_yorker, scheduled_at=local(NEW_YORK, 2025, 6, 11, 9))
    phase = phase_at(new_yorker, local(NEW_YORK, 2025, 6, 11, 0, 1))
    assert phase == Phase("dosing_day", dose.id, dose.scheduled_at)
    assert names(
        new_yorker,
        local(NEW_YORK, 2025, 6, 10, 23, 59),  # the evening before
        local(NEW_YORK, 2025, 6, 11, 23, 59),  # the same night, after the dose
        local(NEW_YORK, 2025, 6, 12, 0, 0),  # the next morning
    ) == ["preparation", "dosing_day", "early_integration"]


def test_early_integration_lasts_72_hours_after_the_dose(new_yorker):
    dose = factories.ketamine_session(new_yorker, scheduled_at=local(NEW_YORK, 2025, 6, 11, 9))
    just_inside = dose.scheduled_at + timedelta(hours=72) - timedelta(minutes=1)
    assert phase_at(new_yorker, just_inside) == Phase(
        "early_integration", dose.id, dose.scheduled_at
    )
    assert phase_at(new_yorker, dose.scheduled_at + timedelta(hours=72)) == Phase(
        "integration", dose.id, dose.scheduled_at
    )


def test_preparation_is_the_three_local_days_before(new_yorker):
    factories.ketamine_session(new_yorker, scheduled_at=local(NEW_YORK, 2025, 5, 1, 9))
    dose = factories.ketamine_session(new_yorker, scheduled_at=local(NEW_YORK, 2025, 6, 11, 9))
    assert names(
        new_yorker,
        local(NEW_YORK, 2025, 6, 7, 23, 59),
        local(NEW_YORK, 2025, 6, 8, 0, 0),
        local(NEW_YORK, 2025, 6, 10, 20, 0),
    ) == ["integration", "preparation", "preparation"]
    assert phase_at(new_yorker, local(NEW_YORK, 2025, 6, 8, 0, 0)).ketamine_session_id == dose.id


def test_before_the_first_dose_a_patient_prepares_for_it(new_yorker):
    dose = factories.ketamine_session(new_yorker, scheduled_at=local(NEW_YORK, 2025, 7, 30, 9))
    weeks_before = local(NEW_YORK, 2025, 6, 1, 12)
    assert phase_at(new_yorker, weeks_before) == Phase("preparation", dose.id, dose.scheduled_at)


def test_long_after_the_last_dose_is_integration_about_that_dose(new_yorker):
    factories.ketamine_session(new_yorker, scheduled_at=local(NEW_YORK, 2025, 1, 6, 9))
    last = factories.ketamine_session(new_yorker, scheduled_at=local(NEW_YORK, 2025, 2, 3, 9))
    assert phase_at(new_yorker, local(NEW_YORK, 2025, 5, 1, 9)) == Phase(
        "integration", last.id, last.scheduled_at
    )


def test_a_past_session_never_marked_completed_still_counts(new_yorker):
    dose = factories.ketamine_session(
        new_yorker, scheduled_at=local(NEW_YORK, 2025, 2, 3, 9), status="scheduled"
    )
    assert phase_at(new_yorker, local(NEW_YORK, 2025, 2, 4, 9)).name == "early_integration"
    assert phase_at(new_yorker, local(NEW_YORK, 2025, 3, 1, 9)).ketamine_session_id == dose.id


def test_cancelled_sessions_do_not_count(new_yorker):
    factories.ketamine_session(
        new_yorker, scheduled_at=local(NEW_YORK, 2025, 6, 11, 9), status="cancelled"
    )
    assert names(
        new_yorker, local(NEW_YORK, 2025, 6, 11, 12), local(NEW_YORK, 2025, 6, 12, 12)
    ) == ["preparation", "preparation"]
    assert phase_at(new_yorker, local(NEW_YORK, 2025, 6, 11, 12)).ketamine_session_id is None


def test_early_integration_wins_over_preparation_in_a_close_series(new_yorker):
    monday = factories.ketamine_session(new_yorker, scheduled_at=local(NEW_YORK, 2025, 6, 9, 9))
    wednesday = factories.ketamine_session(new_yorker, scheduled_at=local(NEW_YORK, 2025, 6, 11, 9))
    tuesday = phase_at(new_yorker, local(NEW_YORK, 2025, 6, 10, 18))
    assert tuesday == Phase("early_integration", monday.id, monday.scheduled_at)
    assert phase_at(new_yorker, local(NEW_YORK, 2025, 6, 11, 7)).ketamine_session_id == wednesday.id


def test_spring_forward_day_is_23_hours_of_dosing_day(new_yorker):
    # 2025-03-09: New York clocks go from 02:00 EST to 03:00 EDT.
    dose = factories.ketamine_session(new_yorker, scheduled_at=local(NEW_YORK, 2025, 3, 9, 9))
    assert dose.scheduled_at == utc(2025, 3, 9, 13)
    assert names(
        new_yorker,
        utc(2025, 3, 9, 4, 59),  # 23:59 EST on the 8th
        utc(2025, 3, 9, 5, 0),  # midnight EST on the 9th
        utc(2025, 3, 10, 3, 59),  # 23:59 EDT on the 9th
        utc(2025, 3, 10, 4, 0),  # midnight EDT on the 10th
        utc(2025, 3, 12, 12, 59),  # 71:59 h after the dose
        utc(2025, 3, 12, 13, 0),  # 72 h after
    ) == [
        "preparation",
        "dosing_day",
        "dosing_day",
        "early_integration",
        "early_integration",
        "integration",
    ]


def test_fall_back_day_is_25_hours_of_dosing_day(new_yorker):
    # 2025-11-02: New York clocks go from 02:00 EDT back to 01:00 EST.
    factories.ketamine_session(new_yorker, scheduled_at=local(NEW_YORK, 2025, 11, 2, 9))
    assert names(
        new_yorker,
        utc(2025, 11, 2, 4, 0),  # midnight EDT
        utc(2025, 11, 3, 4, 30),  # 23:30 EST, 24.5 h after midnight: still that day
        utc(2025, 11, 3, 5, 0),  # midnight EST on the 3rd
    ) == ["dosing_day", "dosing_day", "early_integration"]


def test_auckland_patient_lives_a_day_ahead_of_utc(aucklander):
    # 10:00 on 15 January in Auckland (NZDT, +13) is 21:00 UTC on the 14th.
    dose = factories.ketamine_session(aucklander, scheduled_at=local(AUCKLAND, 2025, 1, 15, 10))
    assert dose.scheduled_at == utc(2025, 1, 14, 21)
    assert names(
        aucklander,
        utc(2025, 1, 14, 10, 59),  # 23:59 on the 14th in Auckland
        utc(2025, 1, 14, 11, 0),  # midnight on the 15th there, still the 14th in UTC
        utc(2025, 1, 15, 10, 59),  # 23:59 on the 15th there
        utc(2025, 1, 15, 11, 0),  # the 16th there
    ) == ["preparation", "dosing_day", "dosing_day", "early_integration"]


def test_the_same_instant_is_a_different_phase_for_patients_in_other_zones(
    new_yorker, aucklander, count_statements
):
    at_the_same_time = utc(2025, 1, 14, 12)
    for patient in (new_yorker, aucklander):
        factories.ketamine_session(patient, scheduled_at=utc(2025, 1, 14, 10))
    # The dose at 10:00 UTC was at 05:00 on the 14th in New York and 23:00 on
    # the 14th in Auckland; two hours later it is still the 14th in New York,
    # but already the 15th in Auckland.
    with count_statements() as statements:
        phases = phases_for([new_yorker, aucklander], at_the_same_time)
    assert len(statements) == 1
    assert phases[new_yorker.id].name == "dosing_day"
    assert phases[aucklander.id].name == "early_integration"


def test_phases_for_a_caseload_take_one_query(clinic, therapist, count_statements):
    at = utc(2025, 6, 15, 12)
    patients = [factories.user(clinic, "patient", therapist=therapist) for _ in range(6)]
    expected = {}
    for index, patient in enumerate(patients):
        # Far history, recent and far-off sessions, so every branch of the query is used.
        long_ago = factories.ketamine_session(
            patient, scheduled_at=at - timedelta(days=200 + index)
        )
        if index % 2:
            recent = factories.ketamine_session(patient, scheduled_at=at - timedelta(days=1))
            expected[patient.id] = ("early_integration", recent.id)
        else:
            factories.ketamine_session(patient, scheduled_at=at + timedelta(days=40))
            expected[patient.id] = ("integration", long_ago.id)
    newcomer = factories.user(clinic, "patient", therapist=therapist)
    first = factories.ketamine_session(newcomer, scheduled_at=at + timedelta(days=30))
    no_sessions = factories.user(clinic, "patient", therapist=therapist)
    with count_statements() as statements:
        phases = phases_for([*patients, newcomer, no_sessions], at)
    assert len(statements) == 1
    for patient in patients:
        phase = phases[patient.id]
        assert (phase.name, phase.ketamine_session_id) == expected[patient.id]
    assert phases[newcomer.id] == Phase("preparation", first.id, first.scheduled_at)
    assert phases[no_sessions.id] == Phase("preparation")


def test_phase_follows_the_patients_time_zone_setting(new_yorker):
    factories.ketamine_session(new_yorker, scheduled_at=utc(2025, 1, 14, 21))
    at = utc(2025, 1, 14, 6)  # 01:00 on the 14th in New York, 19:00 that day in Auckland
    assert phase_at(new_yorker, at).name == "dosing_day"
    new_yorker.time_zone = "Pacific/Auckland"
    db.session.commit()
    assert phase_at(new_yorker, at).name == "preparation"


def test_a_naive_time_is_refused(new_yorker):
    with pytest.raises(ValueError, match="aware"):
        phase_at(new_yorker, datetime(2025, 1, 1, 12))
