"""A clinic's own prompt times around dosing sessions, through the API:
who may read and change them, what is refused, and what it does to reminders
already queued."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.audit.models import AuditEvent
from server.db import utcnow
from server.extensions import db
from server.push import clinic_schedule, scheduling
from server.push.models import ClinicPushSchedule, Notification
from tests import factories

SCHEDULE = "/api/v1/clinic/push-schedule"
SESSIONS = "/api/v1/patients/{}/ketamine-sessions"
NEW_YORK = ZoneInfo("America/New_York")
DEFAULTS = [
    {"name": s.name, "days": s.days, "at": s.at.strftime("%H:%M")}
    for s in scheduling.DEFAULT_SESSION_PROMPTS
]


@pytest.fixture
def admin(clinic):
    return factories.user(clinic, "admin")


def _prompts(user, state="pending"):
    return list(
        db.session.scalars(
            select(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.kind == "prompt_reminder",
                Notification.state == state,
            )
            .order_by(Notification.due_at)
            .execution_options(populate_existing=True)
        )
    )


def _without_version(shown: dict) -> dict:
    """What GET or PUT answered, less its `version` (a fingerprint, tested on its own)."""
    assert len(shown.pop("version")) == 16
    return shown


def _local(instant):
    return instant.astimezone(NEW_YORK).replace(tzinfo=None)


def _book(client, patient, days_ahead: int):
    day = utcnow().astimezone(NEW_YORK).date() + timedelta(days=days_ahead)
    when = datetime.combine(day, time(10), tzinfo=NEW_YORK)
    response = client.post(
        SESSIONS.format(patient.id), json={"scheduled_at": when.isoformat(), "route": "im"}
    )
    assert response.status_code == 201, response.get_json()
    return day


def test_a_clinic_without_its_own_times_shows_the_defaults(as_user, therapist, admin):
    for user in (therapist, admin):
        response = as_user(user).get(SCHEDULE)
        assert response.status_code == 200
        assert _without_version(response.get_json()) == {
            "session_prompts": DEFAULTS,
            "customised": False,
        }


def test_an_admin_changes_only_their_own_clinics(as_user, clinic, admin):
    # Other roles are refused by the authorization matrix.
    body = {"session_prompts": [{"name": "morning_after", "days": 1, "at": "09:30"}]}
    other_clinic = factories.clinic()
    other_admin = factories.user(other_clinic, "admin")
    response = as_user(other_admin).put(SCHEDULE, json=body)
    assert response.status_code == 200
    assert _without_version(response.get_json()) == {**body, "customised": True}
    # Clinic A still has the defaults; only the other clinic changed.
    assert as_user(admin).get(SCHEDULE).get_json()["customised"] is False
    assert db.session.get(ClinicPushSchedule, clinic.id) is None
    assert db.session.get(ClinicPushSchedule, other_clinic.id) is not None


def test_a_change_is_audited_without_its_content(as_user, clinic, admin):
    body = {"session_prompts": [{"name": "evening_after", "days": 1, "at": "20:00"}]}
    assert as_user(admin).put(SCHEDULE, json=body).status_code == 200
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "push_schedule_changed")
    ).all()
    assert event.actor_id == admin.id
    assert event.clinic_id == clinic.id
    assert event.object_type == "clinic" and event.object_id == clinic.id
    assert event.patient_id is None


@pytest.mark.parametrize(
    ("slot", "field"),
    [
        ({"name": "too_early", "days": -8, "at": "19:00"}, "days"),
        ({"name": "too_late", "days": 31, "at": "19:00"}, "days"),
        ({"name": "not_a_number", "days": "3", "at": "19:00"}, "days"),
        ({"name": "no_time", "days": 1, "at": "7pm"}, "at"),
        ({"name": "no_time", "days": 1, "at": "24:00"}, "at"),
        ({"name": "no_time", "days": 1, "at": "19:00:00"}, "at"),
        ({"name": "Has Spaces", "days": 1, "at": "19:00"}, "name"),
        ({"name": "", "days": 1, "at": "19:00"}, "name"),
        ({"days": 1, "at": "19:00"}, "name"),
        ({"name": "extra", "days": 1, "at": "19:00", "colour": "blue"}, "colour"),
    ],
)
def test_a_bad_slot_is_a_422_naming_its_field_and_changes_nothing(
    as_user, clinic, admin, slot, field
):
    good = {"name": "first", "days": 0, "at": "19:00"}
    response = as_user(admin).put(SCHEDULE, json={"session_prompts": [good, slot]})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert any(key.startswith("session_prompts") and key.endswith(field) for key in errors), errors
    assert db.session.get(ClinicPushSchedule, clinic.id) is None


def test_names_must_differ_and_the_list_is_bounded(as_user, clinic, admin):
    client = as_user(admin)
    twice = [{"name": "same", "days": d, "at": "19:00"} for d in (1, 2)]
    response = client.put(SCHEDULE, json={"session_prompts": twice})
    assert response.status_code == 422 and "session_prompts" in response.get_json()["errors"]
    many = [{"name": f"p{d}", "days": d, "at": "19:00"} for d in range(11)]
    response = client.put(SCHEDULE, json={"session_prompts": many})
    assert response.status_code == 422 and "session_prompts" in response.get_json()["errors"]
    response = client.put(SCHEDULE, json={})
    assert response.status_code == 422 and "session_prompts" in response.get_json()["errors"]
    assert db.session.get(ClinicPushSchedule, clinic.id) is None


def test_new_times_move_the_prompts_already_queued_and_null_brings_the_defaults_back(
    as_user, clinic, therapist, admin, subscribe
):
    patient = factories.user(clinic, "patient", therapist=therapist, time_zone="America/New_York")
    subscribe(patient)
    day = _book(as_user(therapist), patient, 5)
    before = _prompts(patient)
    assert [_local(r.due_at).time() for r in before] == [time(19)] * len(DEFAULTS)

    body = {
        "session_prompts": [
            {"name": "morning_after", "days": 1, "at": "09:30"},
            {"name": "two_weeks", "days": 14, "at": "18:00"},
        ]
    }
    response = as_user(admin).put(SCHEDULE, json=body)
    assert response.status_code == 200, response.get_json()
    after = _prompts(patient)
    assert [_local(r.due_at) for r in after] == [
        datetime.combine(day + timedelta(days=1), time(9, 30)),
        datetime.combine(day + timedelta(days=14), time(18)),
    ]
    # The defaults' reminders are cancelled, not left to fire as well.
    cancelled = _prompts(patient, "cancelled")
    assert len(cancelled) == len(DEFAULTS)
    assert {r.last_error for r in cancelled} == {"superseded"}

    response = as_user(admin).put(SCHEDULE, json={"session_prompts": None})
    assert _without_version(response.get_json()) == {
        "session_prompts": DEFAULTS,
        "customised": False,
    }
    restored = _prompts(patient)
    assert [_local(r.due_at).time() for r in restored] == [time(19)] * len(DEFAULTS)
    assert {r.id for r in restored} == {r.id for r in before}  # the same rows, brought back


def test_a_sent_prompt_stays_history_and_another_clinics_reminders_do_not_move(
    as_user, clinic, therapist, admin, subscribe
):
    patient = factories.user(clinic, "patient", therapist=therapist, time_zone="America/New_York")
    other_clinic = factories.clinic()
    other_therapist = factories.user(other_clinic, "therapist")
    outsider = factories.user(
        other_clinic, "patient", therapist=other_therapist, time_zone="America/New_York"
    )
    subscribe(patient)
    subscribe(outsider)
    _book(as_user(therapist), patient, 5)
    _book(as_user(other_therapist), outsider, 5)
    first = _prompts(patient)[0]
    first.state, first.sent_at = "sent", utcnow()
    db.session.commit()
    first_id, first_due = first.id, first.due_at
    outsider_before = [(r.id, r.due_at) for r in _prompts(outsider)]

    body = {"session_prompts": [{"name": "morning_after", "days": 1, "at": "09:30"}]}
    assert as_user(admin).put(SCHEDULE, json=body).status_code == 200
    sent = db.session.get(Notification, first_id, populate_existing=True)
    assert sent.state == "sent" and sent.due_at == first_due
    assert [(r.id, r.due_at) for r in _prompts(outsider)] == outsider_before


def test_a_device_added_weeks_after_a_session_gets_the_clinics_late_prompts(
    as_user, clinic, therapist, admin, subscribe
):
    from server.push.models import PushSubscription

    patient = factories.user(clinic, "patient", therapist=therapist, time_zone="America/New_York")
    subscribe(patient)
    body = {"session_prompts": [{"name": "one_month", "days": 30, "at": "18:00"}]}
    assert as_user(admin).put(SCHEDULE, json=body).status_code == 200
    day = _book(as_user(therapist), patient, 2)
    # Three weeks after the session the patient gets a new phone: its month
    # prompt is still ahead, so the new device must be given it too.
    later = factories.push_subscription(patient)
    scheduling.plan_user(patient, now=utcnow() + timedelta(days=23))
    db.session.commit()
    device_id = db.session.scalar(
        select(PushSubscription.id).where(PushSubscription.endpoint == later.endpoint)
    )
    rows = [r for r in _prompts(patient) if r.subscription_id == device_id]
    assert [_local(r.due_at) for r in rows] == [
        datetime.combine(day + timedelta(days=30), time(18))
    ]


def test_a_save_over_times_changed_meanwhile_is_refused_and_changes_nothing(
    as_user, clinic, therapist, admin, subscribe
):
    patient = factories.user(clinic, "patient", therapist=therapist, time_zone="America/New_York")
    subscribe(patient)
    _book(as_user(therapist), patient, 5)
    other_admin = factories.user(clinic, "admin")
    mine, theirs = as_user(admin), as_user(other_admin)
    read = mine.get(SCHEDULE).get_json()
    # Someone else saves first, from the times as they were.
    body = {"session_prompts": [{"name": "morning_after", "days": 1, "at": "09:30"}]}
    first = theirs.put(SCHEDULE, json={**body, "version": read["version"]})
    assert first.status_code == 200
    assert first.get_json()["version"] != read["version"]
    queued = [(r.id, r.due_at) for r in _prompts(patient)]
    # My save, from the times I read, would undo theirs: refused, naming the version.
    mine_body = {"session_prompts": [{"name": "two_weeks", "days": 14, "at": "18:00"}]}
    late = mine.put(SCHEDULE, json={**mine_body, "version": read["version"]})
    assert late.status_code == 409
    assert late.mimetype == "application/problem+json"
    assert "version" in late.get_json()["errors"]
    now = mine.get(SCHEDULE).get_json()
    assert now["session_prompts"] == body["session_prompts"]
    assert now["version"] == first.get_json()["version"]
    stored = db.session.get(ClinicPushSchedule, clinic.id, populate_existing=True)
    assert stored.session_prompts == body["session_prompts"]
    assert [(r.id, r.due_at) for r in _prompts(patient)] == queued  # nothing moved
    # Going back to the defaults is checked the same way; with the fresh version it saves.
    reset = mine.put(SCHEDULE, json={"session_prompts": None, "version": read["version"]})
    assert reset.status_code == 409
    back = mine.put(SCHEDULE, json={"session_prompts": None, "version": now["version"]})
    assert back.status_code == 200 and back.get_json()["customised"] is False
    assert back.get_json()["version"] == read["version"]  # the defaults, as first read


def test_a_save_without_a_version_saves_as_before(as_user, clinic, admin):
    other_admin = factories.user(clinic, "admin")
    mine, theirs = as_user(admin), as_user(other_admin)
    read = mine.get(SCHEDULE).get_json()
    first = {"session_prompts": [{"name": "morning_after", "days": 1, "at": "09:30"}]}
    assert theirs.put(SCHEDULE, json=first).status_code == 200
    # A client that sends no version is not checked: its save wins, as it always did.
    then = {"session_prompts": [{"name": "two_weeks", "days": 14, "at": "18:00"}]}
    response = mine.put(SCHEDULE, json=then)
    assert response.status_code == 200
    saved = response.get_json()
    assert saved["session_prompts"] == then["session_prompts"]
    assert saved["version"] not in (read["version"], None)
    assert saved == mine.get(SCHEDULE).get_json()


def test_the_times_and_their_version_are_read_in_one_statement(clinic, count_statements):
    # The version fingerprints what was read: no second read, defaults or not.
    with count_statements() as counted:
        defaults = clinic_schedule.clinic_session_prompts(clinic.id)
    assert len(counted) == 1 and not defaults["customised"]
    clinic_schedule.set_clinic_session_prompts(clinic.id, defaults["session_prompts"][:1])
    db.session.expunge_all()  # nothing loaded yet, as in a fresh request
    with count_statements() as counted:
        own = clinic_schedule.clinic_session_prompts(clinic.id)
    assert len(counted) == 1 and own["customised"]


def test_a_first_save_that_meets_a_twin_first_save_is_refused_and_keeps_it(
    clinic, therapist, lands_after_read, subscribe
):
    from server.errors import Problem

    patient = factories.user(clinic, "patient", therapist=therapist, time_zone="America/New_York")
    subscribe(patient)
    factories.ketamine_session(patient, scheduled_at=utcnow() + timedelta(days=5))
    scheduling.plan_user(patient, now=utcnow())
    db.session.commit()
    queued = [(r.id, r.due_at) for r in _prompts(patient)]
    read = clinic_schedule.clinic_session_prompts(clinic.id)["version"]
    theirs = [{"name": "morning_after", "days": 1, "at": "09:30"}]
    mine = [{"name": "two_weeks", "days": 14, "at": "18:00"}]
    # Both read the defaults; theirs is stored between my read and my insert.
    twin = lands_after_read(ClinicPushSchedule, clinic_id=clinic.id, session_prompts=theirs)
    with twin as landed, pytest.raises(Problem) as refused:
        clinic_schedule.set_clinic_session_prompts(clinic.id, mine, version=read)
    assert landed, "the twin save never landed"
    assert refused.value.code == 409 and "version" in refused.value.data["errors"]
    # Mine was undone before it moved anything; theirs is kept, and the session goes on.
    db.session.expunge_all()
    assert db.session.get(ClinicPushSchedule, clinic.id).session_prompts == theirs
    assert [(r.id, r.due_at) for r in _prompts(patient)] == queued
