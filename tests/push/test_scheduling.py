"""Reminders at the right local moment: DST, quiet hours, and following their causes."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server import signals
from server.care.models import DosingSession
from server.db import utcnow
from server.extensions import db
from server.push import outbox, scheduling, subscriptions, worker
from server.push.models import ClinicPushSchedule, Notification
from server.push.scheduling import (
    PromptSlot,
    after_quiet_hours,
    at_local,
    checkin_plan,
    session_plan,
)
from tests import factories
from tests.push.helpers import pending

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def local(instant: datetime, tz=NEW_YORK) -> datetime:
    return instant.astimezone(tz)


def of_kind(user, kind):
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.kind == kind)
            .order_by(Notification.due_at)
            .execution_options(populate_existing=True)
        )
    )


# -- wall-clock arithmetic ---------------------------------------------------------------------


def test_a_20_00_reminder_stays_at_20_00_local_across_both_dst_changes():
    for day in (date(2026, 3, 7), date(2026, 3, 8), date(2026, 10, 31), date(2026, 11, 1)):
        assert local(at_local(day, time(20), NEW_YORK)).time() == time(20)
    # The UTC instants move by an hour instead.
    assert at_local(date(2026, 3, 7), time(20), NEW_YORK).hour == 1
    assert at_local(date(2026, 3, 8), time(20), NEW_YORK).hour == 0
    assert at_local(date(2026, 10, 31), time(20), NEW_YORK).hour == 0
    assert at_local(date(2026, 11, 1), time(20), NEW_YORK).hour == 1


def test_a_time_in_the_spring_gap_moves_forward():
    moved = local(at_local(date(2026, 3, 8), time(2, 30), NEW_YORK))
    assert moved.time() == time(3, 30) and moved.utcoffset() == timedelta(hours=-4)
    moved = local(at_local(date(2026, 3, 29), time(2, 30), BERLIN), BERLIN)
    assert moved.time() == time(3, 30)


def test_a_time_in_the_autumn_overlap_is_its_first_occurrence():
    first = local(at_local(date(2026, 11, 1), time(1, 30), NEW_YORK))
    assert first.time() == time(1, 30) and first.utcoffset() == timedelta(hours=-4)


@pytest.mark.parametrize(
    ("clock", "start", "end", "expected"),
    [
        ((2026, 5, 4, 23, 0), time(22), time(8), (2026, 5, 5, 8, 0)),  # late: next morning
        ((2026, 5, 4, 6, 15), time(22), time(8), (2026, 5, 4, 8, 0)),  # early: this morning
        ((2026, 5, 4, 12, 0), time(22), time(8), (2026, 5, 4, 12, 0)),  # daytime: as is
        ((2026, 5, 4, 8, 0), time(22), time(8), (2026, 5, 4, 8, 0)),  # the end is not quiet
        ((2026, 5, 4, 22, 0), time(22), time(8), (2026, 5, 5, 8, 0)),  # the start is
        ((2026, 5, 4, 13, 30), time(13), time(15), (2026, 5, 4, 15, 0)),  # a nap window
        ((2026, 5, 4, 16, 0), time(13), time(15), (2026, 5, 4, 16, 0)),
        ((2026, 5, 4, 23, 0), time(22), time(22), (2026, 5, 4, 23, 0)),  # empty window
        ((2026, 5, 4, 23, 0), None, time(8), (2026, 5, 4, 23, 0)),  # quiet hours off
    ],
)
def test_quiet_hours_push_a_time_to_the_end_of_the_window(clock, start, end, expected):
    instant = datetime(*clock, tzinfo=NEW_YORK).astimezone(UTC)
    result = local(after_quiet_hours(instant, NEW_YORK, start, end))
    assert result.replace(tzinfo=None) == datetime(*expected)


def test_quiet_hours_ending_on_the_morning_of_a_dst_change_end_at_local_08_00():
    night_before = datetime(2026, 3, 7, 23, 0, tzinfo=NEW_YORK).astimezone(UTC)
    morning = after_quiet_hours(night_before, NEW_YORK, time(22), time(8))
    assert local(morning).replace(tzinfo=None) == datetime(2026, 3, 8, 8, 0)
    assert morning - night_before == timedelta(hours=8)  # nine wall-clock hours, one skipped


# -- check-in reminders ------------------------------------------------------------------------


def test_check_in_reminders_follow_local_time_over_the_spring_change(clinic):
    patient = factories.user(clinic, "patient", checkin_time=time(20), time_zone="America/New_York")
    now = datetime(2026, 3, 7, 9, 0, tzinfo=NEW_YORK).astimezone(UTC)
    planned = checkin_plan(patient, now)
    assert [local(p.due_at).replace(tzinfo=None) for p in planned] == [
        datetime(2026, 3, 7, 20),
        datetime(2026, 3, 8, 20),
        datetime(2026, 3, 9, 20),
    ]
    assert planned[1].due_at - planned[0].due_at == timedelta(hours=23)


def test_check_in_reminders_follow_local_time_over_the_autumn_change(clinic):
    patient = factories.user(clinic, "patient", checkin_time=time(20), time_zone="America/New_York")
    now = datetime(2026, 10, 31, 21, 0, tzinfo=NEW_YORK).astimezone(UTC)  # tonight's has passed
    planned = checkin_plan(patient, now)
    assert [local(p.due_at).replace(tzinfo=None) for p in planned] == [
        datetime(2026, 11, 1, 20),
        datetime(2026, 11, 2, 20),
    ]


def test_a_reminder_in_the_spring_gap_comes_an_hour_later_that_day(clinic):
    patient = factories.user(clinic, "patient", checkin_time=time(2, 30))
    patient.quiet_hours_start = patient.quiet_hours_end = None  # a night-shift worker
    db.session.commit()
    now = datetime(2026, 3, 7, 9, 0, tzinfo=NEW_YORK).astimezone(UTC)
    gap_day = checkin_plan(patient, now)[0]
    assert local(gap_day.due_at).replace(tzinfo=None) == datetime(2026, 3, 8, 3, 30)


def test_a_check_in_time_inside_quiet_hours_waits_for_the_morning(clinic):
    patient = factories.user(
        clinic,
        "patient",
        checkin_time=time(23),
        quiet_hours_start=time(22),
        quiet_hours_end=time(7, 30),
        time_zone="Europe/Berlin",
    )
    now = datetime(2026, 6, 1, 12, 0, tzinfo=BERLIN).astimezone(UTC)
    first = checkin_plan(patient, now)[0]
    assert local(first.due_at, BERLIN).replace(tzinfo=None) == datetime(2026, 6, 2, 7, 30)


def test_turning_notifications_on_plans_the_next_check_ins(patient, subscribe):
    subscribe(patient)
    reminders = pending(patient, "checkin_reminder")
    assert 2 <= len(reminders) <= scheduling.CHECKIN_DAYS_AHEAD
    assert all(local(r.due_at).time() == time(20) for r in reminders)
    assert all(r.due_at > utcnow() for r in reminders)


def test_changing_the_reminder_time_moves_the_reminders_without_duplicates(
    as_user, patient, subscribe
):
    client = as_user(patient)
    subscribe(patient, client)
    before = {r.dedupe_key: r.id for r in pending(patient, "checkin_reminder")}
    response = client.patch("/api/v1/me/settings", json={"checkin_time": "21:15:00"})
    assert response.status_code == 200
    after = pending(patient, "checkin_reminder")
    # Today's 20:00 may have passed while 21:15 has not; every other day is the same row.
    assert {r.dedupe_key for r in after} >= set(before) - {min(before)}
    assert all(before.get(r.dedupe_key, r.id) == r.id for r in after)
    assert all(local(r.due_at).time() == time(21, 15) for r in after)
    client.patch("/api/v1/me/settings", json={"checkin_time": "21:15:00"})
    assert len(pending(patient, "checkin_reminder")) == len(after)


def test_turning_the_daily_reminder_off_cancels_it_and_on_brings_it_back(
    as_user, patient, subscribe
):
    client = as_user(patient)
    subscribe(patient, client)
    assert pending(patient, "checkin_reminder")
    client.patch("/api/v1/me/settings", json={"checkin_time": None})
    assert pending(patient, "checkin_reminder") == []
    client.patch("/api/v1/me/settings", json={"checkin_time": "20:00:00"})
    assert pending(patient, "checkin_reminder")


def test_moving_to_another_time_zone_replans_in_the_new_zone(as_user, patient, subscribe):
    client = as_user(patient)
    subscribe(patient, client)
    client.patch("/api/v1/me/settings", json={"time_zone": "Asia/Tokyo"})
    tokyo = ZoneInfo("Asia/Tokyo")
    reminders = pending(patient, "checkin_reminder")
    assert reminders and all(r.due_at.astimezone(tokyo).time() == time(20) for r in reminders)


def test_the_worker_extends_the_reminders_as_days_pass(patient, subscribe):
    subscribe(patient)
    horizon = max(r.due_at for r in pending(patient, "checkin_reminder"))
    worker.plan_pass(utcnow() + timedelta(days=2))
    extended = max(r.due_at for r in pending(patient, "checkin_reminder"))
    assert extended - horizon == timedelta(days=2)
    worker.plan_pass(utcnow() + timedelta(days=2))  # again: nothing new
    assert max(r.due_at for r in pending(patient, "checkin_reminder")) == extended


def test_after_checking_in_today_there_is_no_reminder_to_check_in_today(
    as_user, patient, subscribe
):
    client = as_user(patient)
    subscribe(patient, client)
    today = utcnow().astimezone(NEW_YORK).date().isoformat()
    tomorrow = (utcnow().astimezone(NEW_YORK).date() + timedelta(days=1)).isoformat()
    planned_today = [r for r in pending(patient) if today in r.dedupe_key]
    response = client.post(
        "/api/v1/checkins",
        json={"id": str(uuid.uuid4()), "recorded_at": utcnow().isoformat(), "mood": 6},
    )
    assert response.status_code == 201, response.get_json()
    keys = {r.dedupe_key for r in pending(patient, "checkin_reminder")}
    assert not any(today in key for key in keys)
    assert any(tomorrow in key for key in keys)
    worker.plan_pass()  # the planner does not bring it back
    assert {r.dedupe_key for r in pending(patient, "checkin_reminder")} == keys
    if planned_today:
        [row] = [r for r in of_kind(patient, "checkin_reminder") if today in r.dedupe_key]
        assert row.state == "cancelled" and row.last_error == outbox.DONE


def test_therapists_get_no_check_in_reminders(therapist, subscribe):
    subscribe(therapist)
    assert pending(therapist) == []


# -- prompts around a dosing session -----------------------------------------------------------


def _anchor(patient, when: datetime, status="scheduled"):
    """A dosing session as the care feature keeps it (not stored: planning reads no more)."""
    return DosingSession(id=uuid.uuid4(), patient_id=patient.id, scheduled_at=when, status=status)


def test_prompts_around_a_session_stay_at_local_evening_across_dst(clinic):
    patient = factories.user(clinic, "patient", time_zone="America/New_York")
    anchor = _anchor(patient, datetime(2026, 3, 7, 10, 0, tzinfo=NEW_YORK).astimezone(UTC))
    planned = session_plan(anchor, patient)
    assert [local(p.due_at).replace(tzinfo=None) for p in planned] == [
        datetime(2026, 3, 6, 19),  # the evening before
        datetime(2026, 3, 7, 19),  # the evening of
        datetime(2026, 3, 8, 19),  # +1 day, after the clocks went forward
        datetime(2026, 3, 10, 19),  # +3
        datetime(2026, 3, 14, 19),  # +7
    ]


def test_the_evening_of_waits_a_few_hours_after_a_late_session(clinic):
    patient = factories.user(clinic, "patient", time_zone="America/New_York")
    anchor = _anchor(patient, datetime(2026, 5, 4, 17, 30, tzinfo=NEW_YORK).astimezone(UTC))
    evening_of = session_plan(anchor, patient)[1]
    assert local(evening_of.due_at).replace(tzinfo=None) == datetime(2026, 5, 4, 20, 30)


def test_session_prompts_respect_quiet_hours(clinic):
    patient = factories.user(
        clinic,
        "patient",
        time_zone="America/New_York",
        quiet_hours_start=time(18),
        quiet_hours_end=time(9),
    )
    anchor = _anchor(patient, datetime(2026, 5, 4, 10, 0, tzinfo=NEW_YORK).astimezone(UTC))
    planned = session_plan(anchor, patient)
    times = [local(p.due_at).replace(tzinfo=None) for p in planned]
    # The evening before would land on the morning of the session: still before it.
    assert times[0] == datetime(2026, 5, 4, 9, 0)
    assert times[1] == datetime(2026, 5, 5, 9, 0)


def test_a_clinic_can_set_its_own_prompt_times(clinic):
    patient = factories.user(clinic, "patient", time_zone="America/New_York")

    def set_prompts(slots):
        stored = db.session.get(ClinicPushSchedule, clinic.id)
        scheduling.set_session_prompts(clinic.id, slots, stored=stored)

    set_prompts([PromptSlot("morning_after", 1, time(9)), PromptSlot("two_weeks", 14, time(18))])
    anchor = _anchor(patient, datetime(2026, 5, 4, 10, 0, tzinfo=NEW_YORK).astimezone(UTC))
    planned = session_plan(anchor, patient)
    assert [local(p.due_at).replace(tzinfo=None) for p in planned] == [
        datetime(2026, 5, 5, 9),
        datetime(2026, 5, 18, 18),
    ]
    set_prompts(None)
    assert len(session_plan(anchor, patient)) == len(scheduling.DEFAULT_SESSION_PROMPTS)
    with pytest.raises(ValueError):
        set_prompts([PromptSlot("far", 400, time(9))])


SESSIONS = "/api/v1/patients/{}/ketamine-sessions"


def _book(client, patient, when: datetime):
    response = client.post(
        SESSIONS.format(patient.id), json={"scheduled_at": when.isoformat(), "route": "im"}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _move(client, patient, session, **changes):
    response = client.patch(
        f"{SESSIONS.format(patient.id)}/{session['id']}",
        json={"version": session["version"], **changes},
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _next_morning(days: int) -> datetime:
    day = utcnow().astimezone(NEW_YORK).date() + timedelta(days=days)
    return datetime.combine(day, time(10), tzinfo=NEW_YORK)


def test_booking_a_session_queues_its_prompts_on_the_patients_devices(
    as_user, patient, therapist, subscribe
):
    subscribe(patient)
    subscribe(patient)
    _book(as_user(therapist), patient, _next_morning(4))
    prompts = pending(patient, "prompt_reminder")
    assert len(prompts) == 2 * len(scheduling.DEFAULT_SESSION_PROMPTS)
    assert len({r.topic for r in prompts}) == len(scheduling.DEFAULT_SESSION_PROMPTS)
    assert all(local(r.due_at).time() == time(19) for r in prompts)


def test_moving_a_session_moves_its_prompts_and_cancelling_cancels_them(
    as_user, patient, therapist, subscribe
):
    subscribe(patient)
    client = as_user(therapist)
    session = _book(client, patient, _next_morning(4))
    first = {r.dedupe_key for r in pending(patient, "prompt_reminder")}
    session = _move(client, patient, session, scheduled_at=_next_morning(6).isoformat())
    moved = pending(patient, "prompt_reminder")
    assert len(moved) == len(scheduling.DEFAULT_SESSION_PROMPTS)
    session_day = _next_morning(6).date()
    assert local(moved[0].due_at).date() == session_day - timedelta(days=1)
    assert {r.dedupe_key for r in moved}.isdisjoint(first)
    cancelled = [r for r in of_kind(patient, "prompt_reminder") if r.dedupe_key in first]
    assert {r.state for r in cancelled} == {"cancelled"}
    # Later on the same day: the same reminders, re-timed where the time matters.
    ids = {r.dedupe_key: r.id for r in moved}
    later = datetime.combine(session_day, time(17, 30), tzinfo=NEW_YORK)
    session = _move(client, patient, session, scheduled_at=later.isoformat())
    same_day = pending(patient, "prompt_reminder")
    assert {r.dedupe_key: r.id for r in same_day} == ids
    assert local(same_day[1].due_at).time() == time(20, 30)
    _move(client, patient, session, status="cancelled")
    assert pending(patient, "prompt_reminder") == []


def test_a_repeated_signal_changes_nothing(patient, subscribe):
    subscribe(patient)
    session = SimpleNamespace(
        id=uuid.uuid4(), patient_id=patient.id, scheduled_at=_next_morning(3), status="scheduled"
    )
    signals.dosing_session_changed.send(session)
    first = [(r.id, r.due_at) for r in pending(patient, "prompt_reminder")]
    signals.dosing_session_changed.send(session)
    assert [(r.id, r.due_at) for r in pending(patient, "prompt_reminder")] == first
    session.status = "cancelled"
    signals.dosing_session_changed.send(session)
    assert pending(patient, "prompt_reminder") == []
    session.status = "scheduled"  # booked again after all
    signals.dosing_session_changed.send(session)
    assert [r.id for r in pending(patient, "prompt_reminder")] == [i for i, _ in first]


def test_a_new_device_gets_the_prompts_of_sessions_already_booked(
    as_user, patient, therapist, subscribe
):
    _book(as_user(therapist), patient, _next_morning(4))
    assert pending(patient, "prompt_reminder") == []  # no device yet
    subscribe(patient)
    assert len(pending(patient, "prompt_reminder")) == len(scheduling.DEFAULT_SESSION_PROMPTS)


def test_quiet_hours_changed_later_move_the_session_prompts(as_user, patient, therapist, subscribe):
    client = as_user(patient)
    subscribe(patient, client)
    _book(as_user(therapist), patient, _next_morning(4))
    client.patch(
        "/api/v1/me/settings", json={"quiet_hours_start": "18:30:00", "quiet_hours_end": "09:00:00"}
    )
    prompts = pending(patient, "prompt_reminder")
    assert prompts and all(local(r.due_at).time() == time(9) for r in prompts)


def test_a_failing_planner_does_not_fail_the_booking(
    as_user, patient, therapist, subscribe, monkeypatch
):
    subscribe(patient)

    def broken(*args, **kwargs):
        raise RuntimeError("planner bug")

    monkeypatch.setattr(scheduling, "plan_session", broken)
    _book(as_user(therapist), patient, _next_morning(4))  # 201 all the same
    assert pending(patient, "prompt_reminder") == []
    monkeypatch.undo()
    # Push keeps no copy of the session: the worker's next pass plans it from
    # the care feature's own table.
    worker.plan_pass()
    assert len(pending(patient, "prompt_reminder")) == len(scheduling.DEFAULT_SESSION_PROMPTS)


def test_a_session_moved_while_its_receiver_failed_is_replanned_at_its_new_time(
    as_user, patient, therapist, subscribe, monkeypatch
):
    subscribe(patient)
    client = as_user(therapist)
    session = _book(client, patient, _next_morning(4))
    monkeypatch.setattr(scheduling, "plan_session", lambda *a, **k: 1 / 0)
    _move(client, patient, session, scheduled_at=_next_morning(6).isoformat())
    monkeypatch.undo()
    worker.plan_pass()
    [day_1] = [r for r in pending(patient, "prompt_reminder") if ":day_1:" in r.dedupe_key]
    assert local(day_1.due_at).date() == _next_morning(7).date()


# -- urgent flags, measures, account deletion --------------------------------------------------


def test_an_urgent_answer_notifies_the_care_team_at_once_even_at_night(
    as_user, clinic, patient, therapist, subscribe
):
    other_therapist = factories.user(clinic, "therapist")
    subscribe(therapist)
    subscribe(other_therapist)
    therapist.quiet_hours_start, therapist.quiet_hours_end = time(0), time(23, 59)
    db.session.commit()
    response = as_user(patient).post(
        "/api/v1/measures/phq9/responses",
        json={"id": str(uuid.uuid4()), "answers": [1, 1, 1, 1, 1, 1, 1, 1, 1], "shared": False},
    )
    assert response.status_code == 201, response.get_json()
    [alert] = pending(therapist, "urgent_flag")
    assert alert.urgency == "high" and alert.due_at <= utcnow()
    assert pending(other_therapist) == []  # not on this patient's care team
    assert pending(patient, "urgent_flag") == []


def test_a_warning_flag_sends_no_push(patient, therapist, subscribe):
    subscribe(therapist)
    signals.flag_raised.send(factories.flag(patient, "phq9_severe"))
    assert pending(therapist) == []


def test_a_due_measure_is_reminded_once_and_answering_it_cancels_the_reminder(
    as_user, patient, subscribe, monkeypatch
):
    import server.measures.queries as measures

    # Due by the measures feature's own rules too, but stated here so the test says what.
    since = utcnow() - timedelta(hours=2)
    monkeypatch.setattr(
        measures,
        "due_measures",
        lambda p, now: [{"instrument": "gad7", "reason": "weekly", "due_since": since}],
        raising=False,
    )
    client = as_user(patient)
    subscribe(patient, client)
    worker.plan_pass()
    worker.plan_pass()
    assert len(pending(patient, "measure_due")) == 1
    response = client.post(
        "/api/v1/measures/gad7/responses",
        json={"id": str(uuid.uuid4()), "answers": [0] * 7},
    )
    assert response.status_code == 201, response.get_json()
    assert pending(patient, "measure_due") == []
    worker.plan_pass()  # still listed as due by a slow feature: not reminded again
    assert pending(patient, "measure_due") == []


def test_questionnaires_due_are_reminded_by_the_worker_not_at_subscription(
    as_user, patient, subscribe
):
    client = as_user(patient)
    subscribe(patient, client)
    assert pending(patient, "measure_due") == []  # the screen in front of them shows it
    worker.plan_pass()  # a new patient's baseline PHQ-9 and GAD-7 are due
    reminders = pending(patient, "measure_due")
    assert sorted(r.dedupe_key.split(":")[2] for r in reminders) == ["gad7", "phq9"]
    assert len({r.topic for r in reminders}) == 2
    response = client.post(
        "/api/v1/measures/phq9/responses", json={"id": str(uuid.uuid4()), "answers": [0] * 9}
    )
    assert response.status_code == 201, response.get_json()
    worker.plan_pass()
    assert [r.dedupe_key.split(":")[2] for r in pending(patient, "measure_due")] == ["gad7"]


def test_a_broken_measures_feature_changes_no_reminder(patient, subscribe, monkeypatch):
    import server.measures.queries as measures

    def broken(patient, now):
        raise RuntimeError("measures bug")

    monkeypatch.setattr(measures, "due_measures", broken, raising=False)
    subscribe(patient)
    worker.plan_pass()
    assert pending(patient, "measure_due") == []
    assert pending(patient, "checkin_reminder")


def test_deleting_an_account_deletes_its_devices_and_outbox(patient, subscribe):
    subscribe(patient)
    signals.account_deleting.send(patient)
    assert of_kind(patient, "checkin_reminder") == []
    assert subscriptions.subscriptions_of(patient.id) == []
