"""A patient finds their own words again: search over their decrypted entries."""

from datetime import timedelta

from server.db import utcnow
from server.journal import queries
from tests import factories

URL = "/api/v1/entries/search"


def test_every_word_must_appear_in_any_case_newest_first(patient_client, patient):
    now = utcnow()
    factories.entry(
        patient, body="A walk by the River, slow and quiet.", written_at=now - timedelta(days=3)
    )
    factories.entry(
        patient, body="The river again; my sister called.", written_at=now - timedelta(days=1)
    )
    factories.entry(patient, body="Work was loud today.", written_at=now)
    answer = patient_client.post(URL, json={"q": "river"}).get_json()
    assert [item["body"] for item in answer["items"]] == [
        "The river again; my sister called.",
        "A walk by the River, slow and quiet.",
    ]
    assert answer["more"] is False
    both = patient_client.post(URL, json={"q": "RIVER sister"}).get_json()
    assert [item["body"] for item in both["items"]] == ["The river again; my sister called."]
    assert patient_client.post(URL, json={"q": "ocean"}).get_json()["items"] == []


def test_only_my_own_entries_are_searched(patient_client, patient):
    other = factories.user(factories.clinic(), "patient")
    factories.entry(other, body="Someone else's river.")
    factories.entry(patient, body="My own river.")
    answer = patient_client.post(URL, json={"q": "river"}).get_json()
    assert [item["body"] for item in answer["items"]] == ["My own river."]


def test_private_entries_are_found_by_their_author(patient_client, patient):
    factories.entry(patient, body="Only for me: the river.", shared=False)
    answer = patient_client.post(URL, json={"q": "river"}).get_json()
    assert [item["shared"] for item in answer["items"]] == [False]


def test_a_long_list_of_matches_says_there_are_more(patient_client, patient, monkeypatch):
    monkeypatch.setattr(queries, "SEARCH_LIMIT", 2)
    for day in range(3):
        factories.entry(
            patient, body=f"River, day {day}.", written_at=utcnow() - timedelta(days=day)
        )
    answer = patient_client.post(URL, json={"q": "river"}).get_json()
    assert [item["body"] for item in answer["items"]] == ["River, day 0.", "River, day 1."]
    assert answer["more"] is True


def test_no_words_is_a_422_naming_the_field_and_words_never_travel_in_the_url(patient_client):
    for body in ({"q": ""}, {"q": "   "}, {}):
        refused = patient_client.post(URL, json=body)
        assert refused.status_code == 422
        assert "q" in refused.get_json()["errors"]
    # Searching is a POST: a GET with the words in the query string is not a route.
    assert patient_client.get(URL + "?q=river").status_code in (404, 405)
