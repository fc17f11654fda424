"""Property-based fuzzing of the whole API from its own OpenAPI document.

Schemathesis generates requests for every documented operation, both valid
ones and ones that break the schema, and sends them as a signed-in patient
and as a signed-in therapist (bearer tokens, as a native client would).
Every answer must be a non-5xx response that matches the document: bad
input is a 4xx problem, never a crash, and what we promise is what we send.

Bounded for CI: a few examples per operation, per mode, per role, generated
deterministically (`derandomize`), so a failure reproduces on the next run.
"""

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories

EXAMPLES_PER_OPERATION = 4
# Sending these would end the fuzzing identity itself rather than test anything.
SKIPPED = {("DELETE", "/api/v1/me")}
# Mismatches found by this test in code this file's owner does not own, reported
# to its owner. Each is tolerated for one check on one operation only, and must
# still occur: once fixed, the test fails until its line here is removed.
# (GET /api/v1/me/export's JSON answer, undocumented at first, was the first.)
KNOWN_DEFECTS: dict = {}
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    status_code_conformance,
]


def bearer_token(app, user) -> str:
    client = app.test_client()
    response = client.post(
        "/api/v1/auth/tokens",
        json={
            "email": user.email,
            "password": factories.PASSWORD,
            "totp": factories.totp_code(user),
            "name": "fuzz",
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def fuzz_operation(app, operation, mode, token, failures, seen_defects=None) -> int:
    """Run bounded generated cases of one operation; returns how many ran."""
    ran = 0
    checks = [*CHECKS, negative_data_rejection] if mode is GenerationMode.NEGATIVE else CHECKS
    known = KNOWN_DEFECTS.get((operation.method.upper(), operation.path))
    if known is not None:
        checks = [check for check in checks if check is not known]

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,  # Argon2 on the login routes is slow on purpose
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        nonlocal ran
        ran += 1
        # A fresh app context per request, as in production: Flask-Login
        # caches the user on `g`, which must not leak between callers.
        with app.app_context():
            response = case.call(headers={"Authorization": f"Bearer {token}"})
        try:
            case.validate_response(response, checks=checks)
        except (Failure, FailureGroup) as failure:  # collect every operation's, then report
            failures.append(f"{mode.value} {operation.label}: {failure}"[:1500])
        if known is not None and seen_defects is not None:
            try:
                case.validate_response(response, checks=[known])
            except (Failure, FailureGroup):
                seen_defects.add((operation.method.upper(), operation.path))

    try:
        run()
    except Unsatisfiable:
        # Nothing to break in an operation without parameters or body.
        if mode is GenerationMode.POSITIVE:
            raise
    return ran


def test_the_api_survives_generated_requests_and_keeps_its_schema(app, clinic, therapist, patient):
    factories.user(clinic, "patient", therapist=therapist)  # someone else on the caseload
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20  # the document lists the API, not a stub
    started = time.monotonic()
    counts, failures, seen_defects = {}, [], set()
    for role, user in (("patient", patient), ("therapist", therapist)):
        token = bearer_token(app, user)
        for operation in operations:
            if (operation.method.upper(), operation.path) in SKIPPED:
                continue
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                counts[role, operation.label, mode] = fuzz_operation(
                    app, operation, mode, token, failures, seen_defects
                )
    total = sum(counts.values())
    print(
        f"\nschemathesis: {total} generated requests over {len(operations)} operations "
        f"x 2 roles x 2 modes in {time.monotonic() - started:.0f} s"
    )
    assert not failures, "\n\n".join(failures[:10]) + f"\n\n({len(failures)} failures)"
    fixed = set(KNOWN_DEFECTS) - seen_defects
    assert not fixed, f"fixed, so remove from KNOWN_DEFECTS: {sorted(fixed)}"
    # Every operation was exercised as each role in the positive mode.
    assert all(
        count > 0
        for (role, label, mode), count in counts.items()
        if mode is GenerationMode.POSITIVE
    )


def test_the_admins_push_schedule_survives_generated_requests(app, clinic):
    """The test above fuzzes as a patient and a therapist; the clinic's admin is
    the one who may change the prompt times, so those operations are fuzzed as them."""
    admin = factories.user(clinic, "admin")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().path == "/api/v1/clinic/push-schedule"
    ]
    assert sorted(op.method.upper() for op in operations) == ["GET", "PUT"]
    failures, ran = [], 0
    token = bearer_token(app, admin)
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            ran += fuzz_operation(app, operation, mode, token, failures)
    assert ran >= 4
    assert not failures, "\n\n".join(failures)


@pytest.fixture(autouse=True)
def _no_rate_limit_noise():
    """Generated login attempts would lock 127.0.0.1 for the rest of the run."""
    from server.extensions import limiter

    yield
    limiter.reset()


# --- Hostile input that generated requests do not reach (issue 15.13) ----------
#
# Every operation that takes a JSON body gets each of these, with every
# property of its documented body set to the hostile value: a 4xx problem,
# never a 500, on SQLite and on PostgreSQL (which refuses NUL in text).

LONE_SURROGATE = '"before \\ud800 after"'  # JSON text: a lone high surrogate
LONE_LOW_SURROGATE = '"\\udc80"'
NUL = '"before \\u0000 after"'
HUGE_INTEGER = "9" * 5000
BIG_INTEGER = "1" + "0" * 30
HUGE_FLOAT = "1e400"
DEEP = "[" * 50_000 + "]" * 50_000
DEEP_BUT_PARSEABLE = '{"a": ' * 200 + "1" + "}" * 200


def _resolve(document, schema):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def body_operations(app):
    """(method, path with its parameters filled, the body's property names) per operation."""
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    import re
    import uuid

    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("post", "put", "patch") or "requestBody" not in operation:
                continue
            if (method.upper(), path) in SKIPPED:
                continue
            content = operation["requestBody"]["content"]
            schema = _resolve(document, content["application/json"]["schema"])
            filled = re.sub(
                r"\{(\w+)\}",
                lambda m: str(uuid.uuid4()) if "id" in m.group(1) else "phq9",
                path,
            )
            yield method, filled, list(schema.get("properties", {})) or ["body"]


def send(client, method, path, raw: str, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(
        path, method=method.upper(), data=raw, content_type="application/json", headers=headers
    )


@pytest.mark.parametrize(
    ("name", "value", "status"),
    [
        ("lone surrogate", LONE_SURROGATE, 422),
        ("lone low surrogate", LONE_LOW_SURROGATE, 422),
        ("NUL", NUL, 422),
        ("integer of 5,000 digits", HUGE_INTEGER, 422),
        ("integer beyond 64 bits", BIG_INTEGER, 422),
        ("float beyond double", HUGE_FLOAT, 422),
    ],
)
def test_every_body_field_refuses_what_no_store_holds(app, therapist, patient, name, value, status):
    client = app.test_client()
    seen = 0
    for user in (patient, therapist):
        token = bearer_token(app, user)
        for method, path, properties in body_operations(app):
            raw = "{" + ", ".join(f'"{prop}": {value}' for prop in properties) + "}"
            response = send(client, method, path, raw, token)
            assert response.status_code == status, (name, method, path, response.get_json())
            problem = response.get_json()
            assert response.mimetype == "application/problem+json"
            assert set(problem["errors"]) <= set(properties) | {"body"}, (path, problem)
            assert problem["errors"], (path, problem)
            seen += 1
    assert seen >= 20


def test_json_nested_thousands_deep_is_a_400_everywhere(app, patient):
    client = app.test_client()
    token = bearer_token(app, patient)
    for method, path, _properties in body_operations(app):
        for raw in (DEEP, DEEP_BUT_PARSEABLE):
            response = send(client, method, path, raw, token)
            assert response.status_code == 400, (method, path, response.get_json())
            assert response.get_json()["errors"] == {"body": ["Nested too deeply."]}


def test_sign_in_refuses_hostile_text_without_a_500(client):
    for value in (LONE_SURROGATE, NUL):
        response = send(
            client, "post", "/api/v1/auth/login", f'{{"email": {value}, "password": {value}}}'
        )
        assert response.status_code == 422
        assert set(response.get_json()["errors"]) == {"email", "password"}


def test_a_nul_in_a_query_or_path_is_refused_by_name(as_user, patient):
    client = as_user(patient)
    response = client.get("/api/v1/checkins", query_string={"cursor": "a\x00b"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"cursor"}
    response = client.get("/api/v1/invites/abc%00def")
    assert response.status_code == 422


def _now_in(zone):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(zone))


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00+01:00",  # UTC cannot hold it
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59-05:00",  # nor this
        "9999-12-31T23:59:59+00:00",
        "1899-12-31T23:00:00+00:00",
    ],
)
def test_timestamps_at_the_ends_of_the_calendar_are_refused_by_name(as_user, patient, moment):
    import uuid

    client = as_user(patient)
    cases = [
        ("post", "/api/v1/checkins", {"id": str(uuid.uuid4()), "recorded_at": moment, "mood": 4}),
        ("post", "/api/v1/entries", {"id": str(uuid.uuid4()), "written_at": moment, "body": "x"}),
        (
            "post",
            "/api/v1/measures/gad7/responses",
            {"id": str(uuid.uuid4()), "answers": [0] * 7, "completed_at": moment},
        ),
    ]
    for method, path, body in cases:
        response = getattr(client, method)(path, json=body)
        assert response.status_code == 422, (path, response.get_json())
        field = next(name for name in body if name.endswith("_at"))
        assert field in response.get_json()["errors"], (path, response.get_json())
    listed = client.get("/api/v1/checkins", query_string={"since": moment})
    assert listed.status_code == 422 and "since" in listed.get_json()["errors"]


def test_reported_times_before_the_account_or_a_day_ahead_are_refused(as_user, clinic, patient):
    import uuid
    from datetime import timedelta

    from server.db import utcnow

    client = as_user(patient)
    before = (patient.created_at - timedelta(days=2)).isoformat()
    ahead = (utcnow() + timedelta(days=1, minutes=5)).isoformat()
    for moment in (before, ahead):
        response = client.post(
            "/api/v1/checkins", json={"id": str(uuid.uuid4()), "recorded_at": moment, "mood": 4}
        )
        assert response.status_code == 422
        assert set(response.get_json()["errors"]) == {"recorded_at"}
        response = client.post(
            "/api/v1/entries", json={"id": str(uuid.uuid4()), "written_at": moment, "body": "x"}
        )
        assert response.status_code == 422
        assert set(response.get_json()["errors"]) == {"written_at"}
    refused = client.post(
        "/api/v1/checkins", json={"id": str(uuid.uuid4()), "recorded_at": before, "mood": 4}
    )
    assert refused.get_json()["errors"] == {
        "recorded_at": ["Cannot be before your account was made."]
    }
    now = _now_in(patient.time_zone).isoformat()
    fine = client.post(
        "/api/v1/checkins", json={"id": str(uuid.uuid4()), "recorded_at": now, "mood": 4}
    )
    assert fine.status_code == 201, fine.get_json()


@pytest.mark.parametrize(
    "zone", ["localtime", "Factory", "posixrules", "posix/Europe/Berlin", "Mars/Olympus"]
)
def test_only_real_iana_time_zones_are_accepted(as_user, patient, zone):
    response = as_user(patient).patch("/api/v1/me/settings", json={"time_zone": zone})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"time_zone"}
    assert (
        as_user(patient)
        .patch("/api/v1/me/settings", json={"time_zone": "Europe/Berlin"})
        .status_code
        == 200
    )
