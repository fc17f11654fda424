"""My history: totals, bands, change from baseline and markers, paged, in fixed statements."""

import uuid
from datetime import timedelta

import pytest

from server.db import utcnow
from tests import factories

HISTORY = "/api/v1/measures/responses"


def phq9(total: int) -> list[int]:
    """A PHQ-9 vector with `total` and item 9 at 0 (no safety answer)."""
    answers = [0] * 9
    for index in range(total):
        answers[index % 8] += 1
    assert max(answers) <= 3
    return answers


@pytest.fixture
def start():
    return utcnow() - timedelta(days=60)


def test_baseline_is_the_latest_response_before_the_first_dose(as_user, patient, start):
    factories.measure_response(patient, answers=phq9(20), completed_at=start)
    factories.measure_response(patient, answers=phq9(18), completed_at=start + timedelta(days=2))
    factories.ketamine_session(patient, scheduled_at=start + timedelta(days=5))
    factories.measure_response(patient, answers=phq9(12), completed_at=start + timedelta(days=9))
    factories.measure_response(patient, answers=phq9(9), completed_at=start + timedelta(days=16))
    factories.measure_response(patient, answers=phq9(4), completed_at=start + timedelta(days=23))

    items = as_user(patient).get(HISTORY).get_json()["items"]
    assert [i["total"] for i in items] == [4, 9, 12, 18, 20]
    assert [i["severity"] for i in items] == [
        "minimal",
        "mild",
        "moderate",
        "moderately severe",
        "severe",
    ]
    # The rows before the first dose belong to no series and are judged against nothing.
    assert [i["baseline_total"] for i in items] == [18, 18, 18, None, None]
    assert [i["baseline_of_series"] for i in items] == [None, None, None, 1, None]
    assert [i["series"] for i in items] == [1, 1, 1, None, None]
    assert [i["change_from_baseline"] for i in items] == [-14, -9, -6, None, None]
    assert [i["markers"]["response"] for i in items] == [True, True, False, None, None]
    assert [i["markers"]["remission"] for i in items] == [True, False, False, None, None]
    # Against the baseline 18: -14, -9 and -6 are reliable (6 or more).
    assert [i["markers"]["reliable_change"] for i in items] == [
        "improved",
        "improved",
        "improved",
        None,
        None,
    ]
    assert [i["nadir_total"] for i in items] == [9, 12, None, None, None]


def test_cancelled_sessions_do_not_start_a_series(as_user, patient, start):
    factories.ketamine_session(patient, scheduled_at=start - timedelta(days=1), status="cancelled")
    factories.measure_response(patient, answers=phq9(16), completed_at=start)
    items = as_user(patient).get(HISTORY).get_json()["items"]
    assert items[0]["series"] is None and items[0]["baseline_total"] is None


def test_without_a_response_before_the_first_dose_there_is_no_baseline(as_user, patient, start):
    factories.ketamine_session(patient, scheduled_at=start)
    factories.measure_response(patient, answers=phq9(16), completed_at=start + timedelta(days=1))
    item = as_user(patient).get(HISTORY).get_json()["items"][0]
    assert item["baseline_total"] is None and item["change_from_baseline"] is None
    assert item["markers"]["response"] is None


def test_a_new_series_after_8_weeks_has_its_own_baseline(as_user, patient, start):
    first = start - timedelta(days=120)
    factories.measure_response(patient, answers=phq9(18), completed_at=first - timedelta(days=1))
    factories.ketamine_session(patient, scheduled_at=first)
    factories.measure_response(patient, answers=phq9(8), completed_at=first + timedelta(days=7))
    # 8 weeks exactly after the last dose: still the same series.
    factories.ketamine_session(patient, scheduled_at=first + timedelta(weeks=8))
    factories.measure_response(patient, answers=phq9(14), completed_at=first + timedelta(days=80))
    # More than 8 weeks after: a new series, whose baseline is the 14 before it.
    factories.ketamine_session(patient, scheduled_at=first + timedelta(weeks=16, minutes=1))
    factories.measure_response(patient, answers=phq9(6), completed_at=first + timedelta(days=120))
    items = as_user(patient).get(HISTORY).get_json()["items"]
    assert [(i["total"], i["series"], i["baseline_total"]) for i in items] == [
        (6, 2, 14),
        (14, 1, 18),
        (8, 1, 18),
        (18, None, None),
    ]
    assert [i["baseline_of_series"] for i in items] == [None, 2, None, 1]
    # A baseline row is never judged against itself: the 14 is series 2's baseline and
    # is judged in series 1 (18 -> 14); the 18 before any dose is judged against nothing.
    assert [i["change_from_baseline"] for i in items] == [-8, -4, -10, None]
    assert items[3]["markers"] == {
        "response": None,
        "remission": None,
        "reliable_change": None,
        "change": None,
        "withheld": None,
        "safety_item_answer": None,
    }
    assert items[0]["markers"]["response"] is True  # 14 -> 6 from a baseline of 14


def test_reliable_change_per_instrument_against_the_baseline(as_user, patient, start):
    factories.measure_response(patient, "gad7", [1, 1, 1, 1, 1, 0, 0], completed_at=start)
    factories.ketamine_session(patient, scheduled_at=start + timedelta(days=1))
    factories.measure_response(
        patient, "gad7", [2, 2, 1, 1, 1, 0, 1], completed_at=start + timedelta(days=7)
    )
    factories.measure_response(
        patient, "gad7", [2, 2, 1, 1, 1, 1, 1], completed_at=start + timedelta(days=21)
    )
    factories.measure_response(patient, answers=phq9(3), completed_at=start + timedelta(days=8))
    items = as_user(patient).get(HISTORY, query_string={"instrument": "gad7"}).get_json()["items"]
    assert [(i["total"], i["markers"]["reliable_change"]) for i in items] == [
        (9, "worsened"),
        (8, None),
        (5, None),
    ]
    # A baseline of 5 is not in the clinical range: no response or remission.
    assert items[0]["markers"]["response"] is None and items[0]["markers"]["remission"] is None


def test_difficulty_is_stored_and_shown(as_user, patient):
    client = as_user(patient)
    made = client.post(
        "/api/v1/measures/gad7/responses",
        json={"id": str(uuid.uuid4()), "answers": [1] * 7, "difficulty": 2},
    )
    assert made.status_code == 201 and made.get_json()["difficulty"] == 2
    bad = client.post(
        "/api/v1/measures/pcl5/responses",
        json={"id": str(uuid.uuid4()), "answers": [1] * 20, "difficulty": 1},
    )
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"difficulty"}
    assert client.get(HISTORY).get_json()["items"][0]["difficulty"] == 2


def test_private_responses_are_in_my_own_history(as_user, patient, start):
    factories.measure_response(patient, completed_at=start, shared=False)
    items = as_user(patient).get(HISTORY).get_json()["items"]
    assert len(items) == 1 and items[0]["shared"] is False


def test_only_my_own_responses(as_user, clinic, patient, start):
    factories.measure_response(factories.user(clinic, "patient"), completed_at=start)
    assert as_user(patient).get(HISTORY).get_json()["items"] == []


def test_paging_walks_the_whole_history_once(as_user, patient, start):
    made = [
        factories.measure_response(patient, completed_at=start + timedelta(days=day))
        for day in range(7)
    ]
    client = as_user(patient)
    seen, cursor = [], None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(HISTORY, query_string=query).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(r.id) for r in reversed(made)]


def test_a_reading_of_the_previous_page_keeps_its_trend(as_user, patient, start):
    factories.measure_response(patient, answers=phq9(20), completed_at=start)
    factories.measure_response(patient, answers=phq9(10), completed_at=start + timedelta(days=7))
    client = as_user(patient)
    first = client.get(HISTORY, query_string={"limit": 1}).get_json()
    second = client.get(
        HISTORY, query_string={"limit": 1, "cursor": first["next_cursor"]}
    ).get_json()
    assert first["items"][0]["previous_total"] == 20
    assert second["items"][0]["total"] == 20 and second["next_cursor"] is None


def test_a_forged_cursor_is_a_422(as_user, patient):
    response = as_user(patient).get(HISTORY, query_string={"cursor": "bm90IGEgY3Vyc29y"})
    assert response.status_code == 422 and "cursor" in response.get_json()["errors"]


def test_an_unknown_instrument_filter_is_a_422(as_user, patient):
    response = as_user(patient).get(HISTORY, query_string={"instrument": "bdi"})
    assert response.status_code == 422 and "instrument" in response.get_json()["errors"]


def test_history_takes_the_same_statements_for_1_or_40_responses(
    as_user, patient, start, count_statements
):
    client = as_user(patient)
    factories.ketamine_session(patient, scheduled_at=start + timedelta(days=3))
    factories.measure_response(patient, completed_at=start)
    with count_statements() as few:
        assert len(client.get(HISTORY).get_json()["items"]) == 1
    for day in range(1, 40):
        factories.measure_response(
            patient,
            "gad7" if day % 2 else "phq9",
            answers=[0] * (7 if day % 2 else 9),
            completed_at=start + timedelta(days=day),
        )
        factories.flag(
            patient,
            source_type="measure_response",
            source_id=uuid.uuid4(),
        )
    with count_statements() as many:
        assert len(client.get(HISTORY).get_json()["items"]) == 40
    assert len(many) == len(few)
