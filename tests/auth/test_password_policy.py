"""Which passwords are refused (issue 15.9): breached ones, ones built from the
person's name or email, and the one they already have."""

import gzip
from importlib import resources

import pytest

from server.auth import passwords
from tests import factories

PASSWORD = "/api/v1/auth/password"


def corpus_lines() -> list[str]:
    raw = resources.files("server.auth").joinpath("breached_passwords.txt.gz").read_bytes()
    return gzip.decompress(raw).decode().split("\n")


def test_the_breach_corpus_is_real_and_large():
    lines = corpus_lines()
    assert len(lines) >= 100_000
    assert len(passwords.breached_passwords()) >= 100_000
    # Real leaked passwords, not a made-up list; lowercased, unique and sorted.
    assert {"123456", "password", "qwerty", "iloveyou", "trustno1"} <= set(lines)
    assert lines == sorted(set(lines), key=str.encode)


def test_every_sampled_corpus_password_is_refused():
    lines = corpus_lines()
    sample = lines[::997] + [line for line in lines if len(line) >= passwords.MIN_LENGTH][::41]
    accepted = [line for line in sample if not passwords.password_problems(line)]
    assert accepted == []


@pytest.mark.parametrize(
    "password",
    ["iloveyou1234!!", "Password2024!", "1234football5678", "trustno1trustno1", "SUNSHINE123456"],
)
def test_a_corpus_password_dressed_up_with_digits_or_case_is_refused(password):
    assert passwords.password_problems(password) == [
        "This password is too common; choose one that is not easy to guess."
    ]


@pytest.mark.parametrize(
    "password",
    ["quiet river at dawn", "lantern meadow salt 7", "Tr0ub4dor&3-elbow-kiln"],
)
def test_an_uncommon_passphrase_is_accepted(password):
    problems = passwords.password_problems(
        password, email="ruth.okafor@clinic.test", name="Ruth Okafor"
    )
    assert problems == []


@pytest.mark.parametrize(
    "password",
    ["ruth.okafor-2024-x", "my name is okafor!!", "Ruth Okafor forever", "ruthokafor-blue-sky"],
)
def test_a_password_containing_the_name_or_email_is_refused(password):
    problems = passwords.password_problems(
        password, email="ruth.okafor@clinic.test", name="Ruth Okafor"
    )
    assert problems == ["Do not build the password from your name or email address."]


def test_changing_to_a_password_with_my_name_is_refused(as_user, clinic):
    patient = factories.user(clinic, "patient", display_name="Marguerite Lindqvist")
    response = as_user(patient).post(
        PASSWORD,
        json={"current_password": factories.PASSWORD, "new_password": "lindqvist by the sea"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "new_password": ["Do not build the password from your name or email address."]
    }


def test_the_current_password_cannot_be_chosen_again(as_user, patient):
    response = as_user(patient).post(
        PASSWORD, json={"current_password": factories.PASSWORD, "new_password": factories.PASSWORD}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "new_password": ["Choose a password other than your current one."]
    }


def test_a_breached_password_is_refused_when_accepting_an_invitation(app, as_user, therapist):
    created = as_user(therapist).post("/api/v1/invites", json={"email": "new.one@clinic.test"})
    token = created.get_json()["token"]
    newcomer = app.test_client()
    newcomer.environ_base["HTTP_ORIGIN"] = "http://localhost"
    weak = newcomer.post(f"/api/v1/invites/{token}/accept", json={"password": "qwertyuiop123"})
    assert weak.status_code == 422
    assert "too common" in weak.get_json()["errors"]["password"][0]
