"""A patient's summary: what the patient page header and the schedule page show."""

from datetime import datetime

from sqlalchemy import select

from server.audit.models import AuditEvent
from server.extensions import db
from server.readside.summary import summary
from tests import factories
from tests.readside.world import NOW, build


def _url(patient):
    return f"/api/v1/patients/{patient.id}"


def _at(text):
    return datetime.fromisoformat(text)


def test_the_summary_names_phase_sessions_and_visible_flags(as_user, clinic, therapist, frozen):
    world = build(clinic, therapist)
    response = as_user(therapist).get(_url(world.patient))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    s = world.sessions
    assert body["id"] == str(world.patient.id)
    assert body["display_name"] == "Ana Reyes"
    assert body["time_zone"] == "America/New_York"
    assert body["phase"] == "integration"
    assert body["next_ketamine_session"]["id"] == str(s["k3"].id)
    assert _at(body["next_ketamine_session"]["scheduled_at"]) == s["k3"].scheduled_at
    assert body["next_integration_session"]["id"] == str(s["i3"].id)
    # The cancelled one two days ago is not "the last integration session".
    assert body["last_integration_session"]["id"] == str(s["i2"].id)
    # The flag raised from a private response and the acknowledged one are not counted.
    assert (body["open_flag_count"], body["urgent_flag_count"]) == (2, 1)


def test_a_new_patient_has_an_empty_summary(as_user, clinic, therapist, frozen):
    patient = factories.user(clinic, "patient", therapist=therapist, display_name="Ben")
    body = as_user(therapist).get(_url(patient)).get_json()
    assert body["display_name"] == "Ben" and body["phase"] == "preparation"
    assert body["next_ketamine_session"] is None
    assert body["next_integration_session"] is None
    assert body["last_integration_session"] is None
    assert (body["open_flag_count"], body["urgent_flag_count"]) == (0, 0)


def test_another_therapists_or_clinics_patient_is_404(as_user, clinic, therapist):
    colleague = factories.user(clinic, "therapist")
    theirs = factories.user(clinic, "patient", therapist=colleague)
    elsewhere = factories.user(factories.clinic(), "patient")
    client = as_user(therapist)
    for patient in (theirs, elsewhere):
        response = client.get(_url(patient))
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"


def test_reading_a_summary_is_one_audited_read(as_user, clinic, therapist, patient):
    as_user(therapist).get(_url(patient))
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "patient_summary_read")
    ).all()
    assert [(e.patient_id, e.actor_id) for e in events] == [(patient.id, therapist.id)]


def test_the_summary_is_one_statement_however_much_the_patient_has(
    clinic, therapist, count_statements
):
    small = factories.user(clinic, "patient", therapist=therapist)
    busy = build(clinic, therapist).patient
    for _ in range(5):
        factories.flag(busy, "mood_drop")
    costs = []
    for patient in (small, busy):
        with count_statements() as statements:
            summary(therapist, patient, now=NOW)
        costs.append(len(statements))
    assert costs == [1, 1]
