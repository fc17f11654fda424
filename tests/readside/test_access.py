"""Who may use each read-side route: every route against every kind of caller.

Another therapist's or another clinic's patient, and a private item, answer
the same 404 as something that does not exist. A route of the read side
missing from the matrix fails the first test.
"""

import uuid

import pytest
from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.clinics.models import CareTeamMember
from server.extensions import db
from server.readside.models import ReadMark
from tests import factories
from tests.test_authorization_matrix import PRINCIPALS

CALLERS = PRINCIPALS  # the authorization matrix's callers
ANY_THERAPIST = {
    "anonymous": 401,
    "the patient": 403,
    "another patient": 403,
    "care-team therapist": "ok",
    "another therapist": "ok",
    "other clinic's therapist": "ok",
    "admin": 403,
}
CARE_TEAM = ANY_THERAPIST | {"another therapist": 404, "other clinic's therapist": 404}

MATRIX = {
    ("GET", "/patients"): ANY_THERAPIST,
    ("GET", "/patients/{patient}"): CARE_TEAM,
    ("GET", "/patients/{patient}/timeline"): CARE_TEAM,
    ("GET", "/patients/{patient}/brief"): CARE_TEAM,
    ("POST", "/checkins/{checkin}/read"): CARE_TEAM,
    ("POST", "/entries/{entry}/read"): CARE_TEAM,
    ("POST", "/measures/responses/{response}/read"): CARE_TEAM,
}
PLACEHOLDERS = {
    "patient": "<uuid:patient_id>",
    "checkin": "<uuid:checkin_id>",
    "entry": "<uuid:entry_id>",
    "response": "<uuid:response_id>",
}


@pytest.fixture
def client_of(app, clinic, therapist, patient, as_user):
    """`client_of(caller)`: a client signed in as that caller (signing in only the one used)."""
    elsewhere = factories.clinic()
    people = {
        "the patient": patient,
        "another patient": factories.user(clinic, "patient", therapist=therapist),
        "care-team therapist": therapist,
        "another therapist": factories.user(clinic, "therapist"),
        "other clinic's therapist": factories.user(elsewhere, "therapist"),
        "admin": factories.user(clinic, "admin"),
    }

    def make(caller):
        if caller != "anonymous":
            return as_user(people[caller])
        anonymous = app.test_client()
        anonymous.environ_base["HTTP_ORIGIN"] = "http://localhost"
        return anonymous

    return make


def _items(patient, *, shared=True):
    return {
        "patient": patient.id,
        "checkin": factories.checkin(patient, shared=shared).id,
        "entry": factories.entry(patient, shared=shared).id,
        "response": factories.measure_response(patient, shared=shared).id,
    }


def test_every_read_side_route_is_in_the_matrix(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("readside."):
            path = rule.rule.removeprefix("/api/v1")
            for name, placeholder in PLACEHOLDERS.items():
                path = path.replace(placeholder, "{" + name + "}")
            routes |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(MATRIX)


@pytest.mark.parametrize(("method", "template"), sorted(MATRIX))
@pytest.mark.parametrize("caller", CALLERS)
def test_access(client_of, patient, method, template, caller):
    path = "/api/v1" + template.format(**_items(patient))
    response = client_of(caller).open(path, method=method)
    expected = MATRIX[(method, template)][caller]
    if expected == "ok":
        assert response.status_code in (200, 204), response.get_json()
        return
    assert response.status_code == expected, response.get_json()
    assert response.mimetype == "application/problem+json"
    # A refused caller left no read mark and no trace of reading the patient's data.
    assert not db.session.scalar(select(func.count()).select_from(ReadMark))
    assert not db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.patient_id == patient.id)
    )


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
