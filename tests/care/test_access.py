"""Scheduling access edge cases the authorization matrix does not reach.

Who may call each scheduling route is in tests/test_authorization_matrix.py.
Here: an unknown or malformed patient id, and a colleague named as a
patient, answer 404 like another therapist's patient.
"""

from tests import factories


def test_an_unknown_patient_is_not_found(as_user, therapist):
    missing = "00000000-0000-4000-8000-000000000000"
    client = as_user(therapist)
    assert client.get(f"/api/v1/patients/{missing}/ketamine-sessions").status_code == 404
    assert client.get("/api/v1/patients/not-a-uuid/ketamine-sessions").status_code == 404


def test_a_therapist_is_not_a_patient_to_schedule(as_user, clinic, therapist):
    colleague = factories.user(clinic, "therapist")
    response = as_user(therapist).get(f"/api/v1/patients/{colleague.id}/integration-sessions")
    assert response.status_code == 404
