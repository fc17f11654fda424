"""Who may use each scheduling route: every route against every kind of caller.

Another therapist's or another clinic's patient is 404 (the API does not
confirm they exist); a caller of the wrong role is 403; no one signed in is 401.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.care.models import DosingSession, IntegrationSession
from server.extensions import db
from tests import factories

THERAPIST_ROUTES = {
    ("POST", "/patients/{patient}/ketamine-sessions"),
    ("GET", "/patients/{patient}/ketamine-sessions"),
    ("PATCH", "/patients/{patient}/ketamine-sessions/{ketamine}"),
    ("POST", "/patients/{patient}/integration-sessions"),
    ("GET", "/patients/{patient}/integration-sessions"),
    ("PATCH", "/patients/{patient}/integration-sessions/{integration}"),
}
PATIENT_ROUTES = {
    ("GET", "/ketamine-sessions"),
    ("GET", "/integration-sessions"),
    ("GET", "/me/phase"),
}
SOON = (datetime.now(UTC) + timedelta(days=10)).isoformat()
BODIES = {
    ("POST", "ketamine"): {"scheduled_at": SOON, "route": "iv"},
    ("POST", "integration"): {"scheduled_at": SOON},
    ("PATCH", "ketamine"): {"version": 1, "status": "cancelled"},
    ("PATCH", "integration"): {"version": 1, "status": "cancelled"},
}
CALLERS = (
    "anonymous",
    "the patient",
    "another patient",
    "care-team therapist",
    "another therapist",
    "other clinic's therapist",
    "admin",
)
THERAPIST_EXPECTED = {
    "anonymous": 401,
    "the patient": 403,
    "another patient": 403,
    "care-team therapist": "ok",
    "another therapist": 404,
    "other clinic's therapist": 404,
    "admin": 403,
}
PATIENT_EXPECTED = {
    "anonymous": 401,
    "the patient": "ok",
    "another patient": "ok",
    "care-team therapist": 403,
    "another therapist": 403,
    "other clinic's therapist": 403,
    "admin": 403,
}


@pytest.fixture
def world(clinic, therapist, patient):
    elsewhere = factories.clinic()
    other_therapist = factories.user(clinic, "therapist")
    return {
        "callers": {
            "the patient": patient,
            "another patient": factories.user(clinic, "patient", therapist=other_therapist),
            "care-team therapist": therapist,
            "another therapist": other_therapist,
            "other clinic's therapist": factories.user(elsewhere, "therapist"),
            "admin": factories.user(clinic, "admin"),
        },
        "ketamine": factories.ketamine_session(patient, created_by=therapist),
        "integration": factories.integration_session(patient, therapist),
    }


def call(app, as_user, world, patient, caller, method, path):
    kind = "ketamine" if "ketamine" in path else "integration"
    path = path.format(
        patient=patient.id, ketamine=world["ketamine"].id, integration=world["integration"].id
    )
    if caller == "anonymous":
        client = app.test_client()
        client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    else:
        client = as_user(world["callers"][caller])
    return client.open("/api/v1" + path, method=method, json=BODIES.get((method, kind)))


def test_every_care_route_is_in_the_matrix(app):
    placeholders = {
        "patient": "<uuid:patient_id>",
        "ketamine": "<uuid:session_id>",
        "integration": "<uuid:session_id>",
    }
    listed = {
        (method, path.format(**placeholders)) for method, path in THERAPIST_ROUTES | PATIENT_ROUTES
    }
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("care."):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, rule.rule.removeprefix("/api/v1")) in listed, rule.rule


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path"), sorted(THERAPIST_ROUTES))
def test_therapist_routes(app, as_user, world, patient, caller, method, path):
    response = call(app, as_user, world, patient, caller, method, path)
    expected = THERAPIST_EXPECTED[caller]
    if expected == "ok":
        assert response.status_code in (200, 201), response.get_json()
        return
    assert response.status_code == expected, response.get_json()
    assert response.mimetype == "application/problem+json"
    # A refused caller changed nothing and left no trace of reading the schedule.
    assert world["ketamine"].version == db.session.get(DosingSession, world["ketamine"].id).version
    assert db.session.get(IntegrationSession, world["integration"].id).status == "scheduled"
    assert db.session.scalar(select(func.count()).select_from(DosingSession)) == 1
    assert not db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.patient_id == patient.id)
    )


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path"), sorted(PATIENT_ROUTES))
def test_patient_routes(app, as_user, world, patient, caller, method, path):
    response = call(app, as_user, world, patient, caller, method, path)
    expected = PATIENT_EXPECTED[caller]
    assert response.status_code == (200 if expected == "ok" else expected)


def test_an_unknown_patient_is_not_found(as_user, therapist):
    missing = "00000000-0000-4000-8000-000000000000"
    client = as_user(therapist)
    assert client.get(f"/api/v1/patients/{missing}/ketamine-sessions").status_code == 404
    assert client.get("/api/v1/patients/not-a-uuid/ketamine-sessions").status_code == 404


def test_a_therapist_is_not_a_patient_to_schedule(as_user, clinic, therapist):
    colleague = factories.user(clinic, "therapist")
    response = as_user(therapist).get(f"/api/v1/patients/{colleague.id}/integration-sessions")
    assert response.status_code == 404
