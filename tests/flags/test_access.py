"""Who may use each flags route: every route against every kind of caller.

A route of this feature missing from the matrix fails the last test.
"""

import pytest

from tests import factories
from tests.test_authorization_matrix import PRINCIPALS

CALLERS = PRINCIPALS  # the authorization matrix's callers
THERAPISTS = {
    "anonymous": 401,
    "the patient": 403,
    "another patient": 403,
    "care-team therapist": "ok",
    "another therapist": "ok",
    "other clinic's therapist": "ok",
    "admin": 403,
}
CARE_TEAM = THERAPISTS | {"another therapist": 404, "other clinic's therapist": 404}
SIGNED_IN = dict.fromkeys(CALLERS, "ok") | {"anonymous": 401}
ADMINS = dict.fromkeys(CALLERS, 403) | {"anonymous": 401, "admin": "ok"}

STAFF = THERAPISTS | {"admin": "ok"}

MATRIX = {
    ("GET", "/flags"): STAFF,
    ("GET", "/flags/summary"): STAFF,
    ("GET", "/flags/rules"): STAFF,
    ("POST", "/flags/{flag}/acknowledge"): CARE_TEAM,
    ("GET", "/clinic/flag-settings"): STAFF,
    ("PUT", "/clinic/flag-settings"): ADMINS,
}
BODIES = {
    ("POST", "/flags/{flag}/acknowledge"): {"outcome": "reviewed_at_session"},
    ("PUT", "/clinic/flag-settings"): {"escalate_after_hours": 12},
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


@pytest.mark.parametrize(("method", "template"), sorted(MATRIX))
@pytest.mark.parametrize("caller", CALLERS)
def test_access(world, patient, method, template, caller):
    flag = factories.flag(patient, "phq9_item9")
    path = "/api/v1" + template.format(flag=flag.id)
    body = BODIES.get((method, template))
    response = world(caller).open(path, method=method, json=body)
    expected = MATRIX[(method, template)][caller]
    if expected == "ok":
        assert response.status_code < 400, response.get_json()
    else:
        assert response.status_code == expected, response.get_json()
        assert response.mimetype == "application/problem+json"


def test_every_flags_route_is_in_the_matrix(app):
    routes = {
        (method, rule.rule.removeprefix("/api/v1").replace("<uuid:flag_id>", "{flag}"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("flags.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(MATRIX)
