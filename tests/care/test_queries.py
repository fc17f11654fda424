"""The schedule questions other features ask (journal links, brief, caseload)."""

from datetime import UTC, datetime, timedelta

from server.care import queries
from server.care.models import DosingSession, IntegrationSession
from tests import factories

NOW = datetime(2025, 6, 15, 12, tzinfo=UTC)


def days(n: float) -> datetime:
    return NOW + timedelta(days=n)


def test_the_last_integration_session_is_the_latest_that_took_place(patient, therapist):
    factories.integration_session(patient, therapist, scheduled_at=days(-14), status="completed")
    unmarked = factories.integration_session(patient, therapist, scheduled_at=days(-7))
    factories.integration_session(patient, therapist, scheduled_at=days(-2), status="cancelled")
    factories.integration_session(patient, therapist, scheduled_at=days(3))
    assert queries.last_integration_session_before(patient.id, NOW) == unmarked
    assert queries.last_integration_session_before(patient.id, days(-20)) is None


def test_next_sessions_are_still_scheduled_and_after_the_time(patient, therapist):
    factories.ketamine_session(patient, scheduled_at=days(-1))
    factories.ketamine_session(patient, scheduled_at=days(1), status="cancelled")
    next_dose = factories.ketamine_session(patient, scheduled_at=days(2))
    factories.ketamine_session(patient, scheduled_at=days(9))
    factories.integration_session(patient, therapist, scheduled_at=days(1), status="cancelled")
    next_talk = factories.integration_session(patient, therapist, scheduled_at=days(4))
    assert queries.next_ketamine_session(patient.id, NOW) == next_dose
    assert queries.next_integration_session(patient.id, NOW) == next_talk
    assert queries.next_ketamine_session(patient.id, days(10)) is None


def test_an_entry_follows_the_latest_dose_before_it(patient):
    assert queries.latest_dosing_session_before(patient.id, NOW) is None
    earlier = factories.ketamine_session(patient, scheduled_at=days(-30), status="completed")
    latest = factories.ketamine_session(patient, scheduled_at=days(-3))
    factories.ketamine_session(patient, scheduled_at=days(-1), status="cancelled")
    assert queries.latest_dosing_session_before(patient.id, NOW) == latest
    assert queries.latest_dosing_session_before(patient.id, days(-10)) == earlier
    assert queries.latest_dosing_session_before(patient.id, latest.scheduled_at) == latest


def test_schedule_for_lists_both_kinds_in_order(patient, therapist):
    second = factories.ketamine_session(patient, scheduled_at=days(5))
    first = factories.ketamine_session(patient, scheduled_at=days(-5), status="cancelled")
    talk = factories.integration_session(patient, therapist, scheduled_at=days(6))
    assert queries.schedule_for(patient.id) == ([first, second], [talk])


def test_caseload_lookups_take_one_statement_each(clinic, therapist, count_statements):
    patients = [factories.user(clinic, "patient", therapist=therapist) for _ in range(5)]
    expected_next, expected_last = {}, {}
    for index, patient in enumerate(patients[:4]):
        factories.ketamine_session(patient, scheduled_at=days(20 + index))
        expected_next[patient.id] = factories.ketamine_session(
            patient, scheduled_at=days(1 + index)
        )
        factories.integration_session(patient, therapist, scheduled_at=days(-30))
        expected_last[patient.id] = factories.integration_session(
            patient, therapist, scheduled_at=days(-2 - index)
        )
    ids = [p.id for p in patients]
    with count_statements() as statements:
        upcoming = queries.next_sessions_for(DosingSession, ids, NOW)
        last = queries.last_sessions_before(IntegrationSession, ids, NOW)
    assert len(statements) == 2
    assert upcoming == expected_next and last == expected_last
    assert queries.next_sessions_for(DosingSession, [], NOW) == {}
