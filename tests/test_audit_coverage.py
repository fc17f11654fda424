"""Every read of a patient's data by someone else leaves an audit event (SPEC 8).

One world from the authorization matrix; every GET route that a member of
P's care team or P's clinic's admin may call, called by them. When the answer
carries anything of P's (P's id, an id of P's items, P's shared text), at
least one audit event about P must have been written by that request. A new
route is covered the day it is added to the matrix.
"""

import pytest

from tests.test_authorization_matrix import (
    MATRIX,
    OK,
    SHARED_CANARY,
    _client,
    _patient_audit_count,
    build_world,
    fill,
)

STAFF = ("care-team therapist", "admin")

#: Answers that mention P without being P's data, each with its reason.
NOT_PATIENT_DATA = {
    ("GET", "/audit"): "the audit log itself: who read what, no health data; reading it is "
    "recorded as its own event (tests/audit/test_audit_log.py)",
}


@pytest.mark.parametrize("principal", STAFF)
def test_every_staff_read_of_a_patients_data_is_audited(app, principal):
    world = build_world()
    marks = {str(world.patient.id), SHARED_CANARY} | {
        str(thing.id)
        for thing in (
            world.checkin,
            world.entry,
            world.response,
            world.ketamine,
            world.integration,
            world.flag,
        )
    }
    client = _client(app, world, principal)
    read, unaudited = [], []
    for method, rule in sorted(MATRIX):
        if method != "GET" or MATRIX[(method, rule)][principal] != OK:
            continue
        before = _patient_audit_count(world.patient.id)
        response = client.get(fill(rule, world))
        assert 200 <= response.status_code < 300, (rule, response.get_json())
        text = response.get_data(as_text=True)
        if not any(mark in text for mark in marks) or (method, rule) in NOT_PATIENT_DATA:
            continue
        read.append(rule)
        if _patient_audit_count(world.patient.id) == before:
            unaudited.append(rule)
    assert not unaudited, f"{principal} read P's data without an audit event: {unaudited}"
    if principal == "care-team therapist":
        # The screens a therapist prepares a session with are all among them.
        assert {
            "/patients",
            "/patients/<uuid:patient_id>/timeline",
            "/patients/<uuid:patient_id>/brief",
        } <= set(read), read
