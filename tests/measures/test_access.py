"""Who may use each measures route: every route against every kind of caller.

Another therapist's or another clinic's patient is 404; a caller of the
wrong role is 403; no one signed in is 401. A route of this feature missing
from the matrix fails the last test.
"""

import uuid

import pytest

from server.db import utcnow
from tests import factories
from tests.test_authorization_matrix import PRINCIPALS

CALLERS = PRINCIPALS  # the authorization matrix's callers
PATIENT_OWN = {
    "anonymous": 401,
    "the patient": "ok",
    "another patient": 404,
    "care-team therapist": 403,
    "another therapist": 403,
    "other clinic's therapist": 403,
    "admin": 403,
}
PATIENT_ANY = PATIENT_OWN | {"another patient": "ok"}
CARE_TEAM = {
    "anonymous": 401,
    "the patient": 403,
    "another patient": 403,
    "care-team therapist": "ok",
    "another therapist": 404,
    "other clinic's therapist": 404,
    "admin": 403,
}
SIGNED_IN = dict.fromkeys(CALLERS, "ok") | {"anonymous": 401}
#: The clinic's own admin only; everyone else signed in is refused by role.
ADMIN_ONLY = dict.fromkeys(CALLERS, 403) | {"anonymous": 401, "admin": "ok"}

MATRIX = {
    ("GET", "/measures/{instrument}"): SIGNED_IN,
    ("POST", "/measures/{instrument}/responses"): PATIENT_ANY,
    ("GET", "/measures/responses"): PATIENT_ANY,
    ("GET", "/measures/due"): PATIENT_ANY,
    ("GET", "/measures/responses/{response}"): PATIENT_OWN,
    ("PATCH", "/measures/responses/{response}"): PATIENT_OWN,
    ("DELETE", "/measures/responses/{response}"): PATIENT_OWN,
    ("GET", "/patients/{patient}/measure-plan"): CARE_TEAM,
    ("PATCH", "/patients/{patient}/measure-plan"): CARE_TEAM,
    ("PUT", "/patients/{patient}/ketamine-sessions/{session}/series-start"): CARE_TEAM,
    ("GET", "/patients/{patient}/measures/{instrument}/table"): CARE_TEAM,
    ("GET", "/reports/outcomes"): ADMIN_ONLY,
}


@pytest.fixture
def world(app, clinic, therapist, patient, as_user):
    elsewhere = factories.clinic()
    people = {
        "the patient": patient,
        "another patient": factories.user(clinic, "patient", therapist=therapist),
        "care-team therapist": therapist,
        "another therapist": factories.user(clinic, "therapist"),
        "other clinic's therapist": factories.user(elsewhere, "therapist"),
        "admin": factories.user(clinic, "admin"),
    }

    def client_of(caller):
        # Only the caller signs in: a sign-in costs an Argon2 verification.
        if caller != "anonymous":
            return as_user(people[caller])
        anonymous = app.test_client()
        anonymous.environ_base["HTTP_ORIGIN"] = "http://localhost"
        return anonymous

    return client_of


def call(client, method, template, patient):
    response = factories.measure_response(patient, shared=True)
    session = factories.ketamine_session(patient, scheduled_at=utcnow())
    path = "/api/v1" + template.format(
        instrument="phq9", response=response.id, patient=patient.id, session=session.id
    )
    body = {
        "POST": {
            "id": str(uuid.uuid4()),
            "answers": [1] * 8 + [0],
            "completed_at": utcnow().isoformat(),
        },
        "PATCH": (
            {"pcl5": True} if "measure-plan" in template else {"version": 1, "shared": False}
        ),
        "PUT": {"new_series": True},
    }.get(method)
    return client.open(path, method=method, json=body)


@pytest.mark.parametrize(("method", "template"), sorted(MATRIX))
@pytest.mark.parametrize("caller", CALLERS)
def test_access(world, patient, method, template, caller):
    expected = MATRIX[(method, template)][caller]
    response = call(world(caller), method, template, patient)
    if expected == "ok":
        assert response.status_code < 400, response.get_json()
    else:
        assert response.status_code == expected, response.get_json()
        assert response.mimetype == "application/problem+json"


def test_every_measures_route_is_in_the_matrix(app):
    routes = {
        (method, rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("measures.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    normalised = {
        (
            method,
            path.replace("<uuid:response_id>", "{response}")
            .replace("<uuid:patient_id>", "{patient}")
            .replace("<uuid:session_id>", "{session}")
            .replace("<instrument>", "{instrument}"),
        )
        for method, path in routes
    }
    assert normalised == set(MATRIX)
