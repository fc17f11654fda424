"""The check the morning after a dose is pushed at 09:00 in the patient's zone, across DST
changes and after quiet hours; moving, cancelling or answering it follows. `now` is fixed."""

import uuid
from datetime import UTC, datetime, time

from sqlalchemy import select

from server.companion import services as companion
from server.extensions import db
from server.push import outbox, scheduling
from server.push.models import Notification
from tests import factories
from tests.companion.helpers import answers

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def _checks(patient):
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == patient.id, Notification.kind == "next_day_check")
            .order_by(Notification.due_at)
            .execution_options(populate_existing=True)
        )
    )


def _planned(clinic, subscribe, zone, dose_at, **quiet):
    patient = factories.user(clinic, "patient", time_zone=zone, **quiet)
    subscribe(patient)
    session = factories.ketamine_session(patient, scheduled_at=dose_at)
    scheduling.plan_session(session, patient, now=NOW)
    db.session.commit()
    return patient, session


def test_the_check_is_pushed_at_nine_the_morning_after_across_spring_forward(clinic, subscribe):
    # Saturday 7 March 2026, 14:00 EST; that night New York moves to EDT.
    patient, _ = _planned(
        clinic, subscribe, "America/New_York", datetime(2026, 3, 7, 19, 0, tzinfo=UTC)
    )
    [row] = _checks(patient)
    assert row.due_at == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # 09:00 EDT
    assert row.state == "pending"


def test_the_check_is_pushed_at_nine_the_morning_after_across_fall_back(clinic, subscribe):
    # Saturday 24 October 2026, 12:00 BST; that night London moves back to GMT.
    patient, _ = _planned(
        clinic, subscribe, "Europe/London", datetime(2026, 10, 24, 11, 0, tzinfo=UTC)
    )
    [row] = _checks(patient)
    assert row.due_at == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)  # 09:00 GMT


def test_the_check_waits_for_the_end_of_quiet_hours(clinic, subscribe):
    patient, _ = _planned(
        clinic,
        subscribe,
        "Australia/Sydney",
        datetime(2026, 6, 1, 2, 0, tzinfo=UTC),  # 12:00 in Sydney
        quiet_hours_start=time(21, 0),
        quiet_hours_end=time(10, 30),
    )
    [row] = _checks(patient)
    assert row.due_at == datetime(2026, 6, 2, 0, 30, tzinfo=UTC)  # 10:30 the next morning


def test_moving_or_cancelling_the_session_moves_or_cancels_the_check(clinic, subscribe):
    patient, session = _planned(
        clinic, subscribe, "America/New_York", datetime(2026, 5, 4, 14, 0, tzinfo=UTC)
    )
    session.scheduled_at = datetime(2026, 5, 11, 14, 0, tzinfo=UTC)
    scheduling.plan_session(session, patient, now=NOW)
    pending = [row for row in _checks(patient) if row.state == "pending"]
    assert [row.due_at for row in pending] == [datetime(2026, 5, 12, 13, 0, tzinfo=UTC)]
    session.status = "cancelled"
    scheduling.plan_session(session, patient, now=NOW)
    assert all(row.state == "cancelled" for row in _checks(patient))


def test_answering_the_check_cancels_its_reminder_for_good(clinic, subscribe):
    patient, session = _planned(
        clinic,
        subscribe,
        "America/New_York",
        datetime(2026, 5, 4, 14, 0, tzinfo=UTC),
        quiet_hours_start=time(21, 0),
        quiet_hours_end=time(11, 0),
    )
    companion.create_after_dose_check(
        patient,
        {
            "id": uuid.uuid4(),
            "ketamine_session_id": session.id,
            "answers": answers(),
            "answered_at": datetime(2026, 5, 5, 12, 0, tzinfo=UTC),  # 08:00, in quiet hours
        },
    )
    [row] = _checks(patient)
    assert (row.state, row.last_error) == ("cancelled", outbox.DONE)
    scheduling.plan_session(session, patient, now=NOW)  # the planner does not bring it back
    assert [row.state for row in _checks(patient)] == ["cancelled"]
