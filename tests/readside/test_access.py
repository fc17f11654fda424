"""Read-side access edge cases the authorization matrix does not reach.

Who may call each read-side route is in tests/test_authorization_matrix.py.
Here: a private item and one that does not exist answer the same 404; an id
of one kind is not found as another; marking read is idempotent; leaving the
care team ends access at once; a colleague is never a patient.
"""

import uuid

import pytest
from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.auth.models import CareTeamMember
from server.extensions import db
from server.readside.models import ReadMark
from tests import factories


def _items(patient, *, shared=True):
    return {
        "patient": patient.id,
        "checkin": factories.checkin(patient, shared=shared).id,
        "entry": factories.entry(patient, shared=shared).id,
        "response": factories.measure_response(patient, shared=shared).id,
    }


@pytest.mark.parametrize("kind", ["checkins", "entries", "measures/responses"])
def test_a_private_or_unknown_item_is_not_found(as_user, therapist, patient, kind):
    private = _items(patient, shared=False)
    key = {"checkins": "checkin", "entries": "entry", "measures/responses": "response"}[kind]
    client = as_user(therapist)
    private_answer = client.post(f"/api/v1/{kind}/{private[key]}/read")
    missing_answer = client.post(f"/api/v1/{kind}/{uuid.uuid4()}/read")
    assert private_answer.status_code == missing_answer.status_code == 404
    # The same words whether it is private or does not exist: nothing to tell apart.
    assert private_answer.get_json()["detail"] == missing_answer.get_json()["detail"]
    assert not db.session.scalar(select(func.count()).select_from(ReadMark))


def test_an_item_of_another_kind_is_not_found(as_user, therapist, patient):
    items = _items(patient)
    client = as_user(therapist)
    assert client.post(f"/api/v1/entries/{items['checkin']}/read").status_code == 404
    assert client.post(f"/api/v1/checkins/{items['response']}/read").status_code == 404


def test_marking_read_is_idempotent_and_audited_once(as_user, therapist, patient):
    entry = factories.entry(patient)
    client = as_user(therapist)
    for _ in range(3):
        response = client.post(f"/api/v1/entries/{entry.id}/read")
        assert response.status_code == 204 and response.data == b""
    (mark,) = db.session.scalars(select(ReadMark))
    assert (mark.therapist_id, mark.item_type, mark.item_id, mark.patient_id) == (
        therapist.id,
        "entry",
        entry.id,
        patient.id,
    )
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "item_marked_read"))
    assert (event.patient_id, event.object_type, event.object_id) == (patient.id, "entry", entry.id)


def test_leaving_the_care_team_ends_access(as_user, therapist, patient):
    checkin = factories.checkin(patient)
    client = as_user(therapist)
    assert client.get(f"/api/v1/patients/{patient.id}/brief").status_code == 200
    db.session.execute(
        CareTeamMember.__table__.delete().where(CareTeamMember.patient_id == patient.id)
    )
    db.session.commit()
    assert client.get(f"/api/v1/patients/{patient.id}/brief").status_code == 404
    assert client.get(f"/api/v1/patients/{patient.id}/timeline").status_code == 404
    assert client.post(f"/api/v1/checkins/{checkin.id}/read").status_code == 404
    assert client.get("/api/v1/patients").get_json()["items"] == []


def test_a_colleague_is_not_a_patient(as_user, clinic, therapist):
    colleague = factories.user(clinic, "therapist")
    db.session.add(CareTeamMember(patient_id=colleague.id, therapist_id=therapist.id))
    db.session.commit()
    client = as_user(therapist)
    assert client.get(f"/api/v1/patients/{colleague.id}/timeline").status_code == 404
    assert client.get("/api/v1/patients").get_json()["items"] == []
