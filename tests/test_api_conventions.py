"""Bad input is a clear 4xx problem naming the field, never a 500."""

import pytest

LOGIN = "/api/v1/auth/login"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "field"),
    [
        ("{not json", "application/json", 400, "body"),
        ("email=a@b.c", "application/x-www-form-urlencoded", 415, "body"),
        ('{"email": "a@b.c", "password": "x", "extra": 1}', "application/json", 422, "extra"),
        ('{"email": "not an email", "password": "x"}', "application/json", 422, "email"),
        ('{"email": 12, "password": "x"}', "application/json", 422, "email"),
        ('{"password": "x"}', "application/json", 422, "email"),
        ("[1, 2]", "application/json", 422, "_schema"),
        ('"a string"', "application/json", 422, "_schema"),
    ],
)
def test_bad_bodies_are_problems_naming_the_field(client, body, content_type, status, field):
    response = client.post(LOGIN, data=body, content_type=content_type)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == status and field in problem["errors"]


def test_error_messages_do_not_echo_what_was_sent(as_user, patient):
    secret = "I feel hopeless tonight"
    response = as_user(patient).patch("/api/v1/me/settings", json={"time_zone": secret})
    assert response.status_code == 422
    assert secret not in response.get_data(as_text=True)


def test_an_oversized_body_is_refused(client):
    response = client.post(LOGIN, data="x" * (300 * 1024), content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_bad_uuid_in_path_is_404_not_500(as_user, patient):
    assert as_user(patient).delete("/api/v1/auth/tokens/not-a-uuid").status_code == 404
