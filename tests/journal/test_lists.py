"""Lists: newest first, windows, cursor paging, and a fixed number of statements."""

import base64
from datetime import UTC, timedelta

import pytest

from server.db import utcnow
from server.journal import queries
from server.journal.models import CheckIn
from tests import factories
from tests.journal.conftest import NEW_YORK


def _checkins(patient, count, **fields):
    now = utcnow().astimezone(NEW_YORK)
    return [
        factories.checkin(patient, recorded_at=now - timedelta(hours=hours), **fields)
        for hours in range(count)
    ]


def test_check_ins_page_newest_first_by_cursor(patient_client, patient):
    made = _checkins(patient, 7)
    seen, cursor = [], None
    while True:
        query = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = patient_client.get("/api/v1/checkins", query_string=query).get_json()
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(item.id) for item in made]


def test_a_cursor_reveals_no_time_and_works_only_for_its_own_list(
    patient_client, as_user, other_patient, patient
):
    made = _checkins(patient, 3)
    page = patient_client.get("/api/v1/checkins", query_string={"limit": 1}).get_json()
    cursor = page["next_cursor"]
    # Cursors travel in URLs: they must not say when the patient checked in.
    opened = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert made[0].recorded_at.astimezone(UTC).isoformat()[:16].encode() not in opened
    assert str(made[0].id).encode() not in opened
    theirs = as_user(other_patient).get("/api/v1/checkins", query_string={"cursor": cursor})
    assert theirs.status_code == 422 and "cursor" in theirs.get_json()["errors"]
    as_entries = patient_client.get("/api/v1/entries", query_string={"cursor": cursor})
    assert as_entries.status_code == 422
    garbage = patient_client.get("/api/v1/checkins", query_string={"cursor": "%%%not"})
    assert garbage.status_code == 422


def test_since_and_until_choose_a_window(patient_client, patient):
    now = utcnow()
    old = factories.checkin(patient, recorded_at=now - timedelta(days=10))
    middle = factories.checkin(patient, recorded_at=now - timedelta(days=5))
    factories.checkin(patient, recorded_at=now - timedelta(hours=1))
    window = {
        "since": (now - timedelta(days=11)).isoformat(),
        "until": (now - timedelta(days=1)).isoformat(),
    }
    page = patient_client.get("/api/v1/checkins", query_string=window).get_json()
    assert [item["id"] for item in page["items"]] == [str(middle.id), str(old.id)]
    naive = patient_client.get("/api/v1/checkins", query_string={"since": "2024-01-01T00:00:00"})
    assert naive.status_code == 422 and "since" in naive.get_json()["errors"]
    too_many = patient_client.get("/api/v1/checkins", query_string={"limit": 500})
    assert too_many.status_code == 422 and "limit" in too_many.get_json()["errors"]


def test_entries_page_like_check_ins(patient_client, patient):
    now = utcnow()
    made = [factories.entry(patient, written_at=now - timedelta(days=d)) for d in range(4)]
    page = patient_client.get("/api/v1/entries", query_string={"limit": 3}).get_json()
    assert [item["id"] for item in page["items"]] == [str(e.id) for e in made[:3]]
    rest = patient_client.get(
        "/api/v1/entries", query_string={"cursor": page["next_cursor"]}
    ).get_json()
    assert [item["id"] for item in rest["items"]] == [str(made[3].id)]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("url", "make"), [("/api/v1/checkins", "checkin"), ("/api/v1/entries", "entry")]
)
def test_a_list_costs_the_same_statements_for_1_or_50_items(
    patient_client, patient, count_statements, url, make
):
    def cost():
        with count_statements() as statements:
            response = patient_client.get(url, query_string={"limit": 100})
        assert response.status_code == 200
        return len(statements), len(response.get_json()["items"])

    getattr(factories, make)(patient, shared=False)
    one = cost()
    for _ in range(49):
        getattr(factories, make)(patient)
    fifty = cost()
    assert (one[1], fifty[1]) == (1, 50)
    assert one[0] == fifty[0]


def test_the_page_query_itself_is_one_statement(patient, count_statements):
    _checkins(patient, 5)
    with count_statements() as statements:
        page = queries.own_page(CheckIn, patient.id, limit=2)
    assert len(page.items) == 2 and len(statements) == 1
