"""Failed access decisions on patient data are audited (ASVS 7.2.2, issue 15.5).

The 404 a therapist gets for a patient outside their care team is one answer
for "no such patient" and "not yours"; the audit log of the therapist's
clinic records that it was refused, against the id asked for, and nothing
of the request's own writes is kept with it.
"""

import uuid

from sqlalchemy import select

from server.audit.models import AuditEvent
from server.extensions import db
from tests import factories


def refusals():
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "patient_access_refused")
    ).all()


def test_a_patient_of_another_care_team_is_a_404_and_is_audited(as_user, clinic, patient):
    outsider = factories.user(clinic, "therapist")
    client = as_user(outsider)
    elsewhere = factories.user(factories.clinic(), "patient")
    nobody = uuid.uuid4()
    for asked in (patient.id, elsewhere.id, nobody):
        response = client.get(f"/api/v1/patients/{asked}/timeline")
        assert response.status_code == 404
    events = refusals()
    assert [e.object_id for e in sorted(events, key=lambda e: e.at)] == [
        patient.id,
        elsewhere.id,
        nobody,
    ]
    for event in events:
        assert event.actor_id == outsider.id and event.clinic_id == clinic.id
        assert event.object_type == "patient"
        # Not filed under any patient: the id may belong to another clinic.
        assert event.patient_id is None


def test_the_care_team_reading_is_not_a_refusal(as_user, therapist, patient):
    assert as_user(therapist).get(f"/api/v1/patients/{patient.id}/timeline").status_code == 200
    assert refusals() == []


def test_the_clinic_admin_sees_the_refusals(as_user, clinic, patient):
    outsider = factories.user(clinic, "therapist")
    as_user(outsider).get(f"/api/v1/patients/{patient.id}/brief")
    admin = factories.user(clinic, "admin")
    listed = as_user(admin).get("/api/v1/audit", query_string={"action": "patient_access_refused"})
    assert listed.status_code == 200
    assert [item["actor_id"] for item in listed.get_json()["items"]] == [str(outsider.id)]
