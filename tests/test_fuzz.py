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


@pytest.fixture(autouse=True)
def _no_rate_limit_noise():
    """Generated login attempts would lock 127.0.0.1 for the rest of the run."""
    from server.extensions import limiter

    yield
    limiter.reset()
