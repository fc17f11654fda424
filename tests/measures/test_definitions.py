"""Definitions: every client renders the same published wording and options."""

import pytest

from server.measures import scoring
from tests import factories


@pytest.mark.parametrize(
    ("instrument", "items", "top"), [("phq9", 9, 3), ("gad7", 7, 3), ("pcl5", 20, 4)]
)
def test_a_definition_has_the_published_items_and_options(as_user, patient, instrument, items, top):
    response = as_user(patient).get(f"/api/v1/measures/{instrument}")
    assert response.status_code == 200
    body = response.get_json()
    published = scoring.definition(instrument)
    assert [item["number"] for item in body["items"]] == list(range(1, items + 1))
    assert [item["text"] for item in body["items"]] == published["items"]
    assert body["options"][-1]["value"] == top
    assert body["instructions"] == published["instructions"]
    assert body["recall_period"] == published["recall_period"]


def test_phq9_names_its_safety_item_and_bands(as_user, patient):
    body = as_user(patient).get("/api/v1/measures/phq9").get_json()
    assert body["safety_item"] == 9
    assert body["items"][8]["text"].startswith("Thoughts that you would be better off dead")
    assert body["bands"][-1] == {"min": 20, "max": 27, "label": "severe"}
    assert body["stem"] is None and body["threshold"] is None


def test_pcl5_has_its_stem_and_cutoff_instead_of_bands(as_user, patient):
    body = as_user(patient).get("/api/v1/measures/pcl5").get_json()
    assert body["stem"] == "In the past month, how much were you bothered by:"
    assert body["bands"] == []
    assert body["threshold"] == {"label": "probable PTSD", "cutoff": 33, "met": None}
    assert body["options"][4] == {"value": 4, "label": "Extremely"}


def test_therapists_read_definitions_too(as_user, therapist):
    assert as_user(therapist).get("/api/v1/measures/gad7").status_code == 200


def test_unknown_instrument_is_404_and_sign_in_is_needed(as_user, client, clinic):
    assert as_user(factories.user(clinic, "patient")).get("/api/v1/measures/bdi").status_code == 404
    assert client.get("/api/v1/measures/phq9").status_code == 401
