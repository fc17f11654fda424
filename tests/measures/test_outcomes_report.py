"""The clinic's outcomes report, against numbers worked out by hand from a seeded clinic."""

import csv
import io
from datetime import UTC, datetime, timedelta

from server.measures.outcomes import outcomes
from tests import factories

URL = "/api/v1/reports/outcomes"
NOW = datetime(2025, 6, 15, 16, 0, tzinfo=UTC)

# PHQ-9 answers (item 9, the last, at 0) and their totals.
PHQ = {
    20: [3, 3, 3, 3, 3, 3, 2, 0, 0],
    18: [3, 3, 3, 3, 3, 3, 0, 0, 0],
    15: [3, 3, 3, 3, 3, 0, 0, 0, 0],
    12: [3, 3, 3, 3, 0, 0, 0, 0, 0],
    11: [3, 3, 3, 2, 0, 0, 0, 0, 0],
    8: [2, 2, 2, 2, 0, 0, 0, 0, 0],
    4: [1, 1, 1, 1, 0, 0, 0, 0, 0],
    3: [1, 1, 1, 0, 0, 0, 0, 0, 0],
}
GAD = {14: [2] * 7, 6: [1, 1, 1, 1, 1, 1, 0]}


def _course(clinic, therapist, phq=(), gad=(), *, dosed=True, private_after=False):
    """A patient: scores `days ago -> total`; a dose 30 days ago splits baseline from later."""
    patient = factories.user(clinic, "patient", therapist=therapist)
    if dosed:
        factories.ketamine_session(
            patient, scheduled_at=NOW - timedelta(days=30), status="completed"
        )
    for instrument, scores, table in (("phq9", phq, PHQ), ("gad7", gad, GAD)):
        for days, total in scores:
            factories.measure_response(
                patient,
                instrument,
                answers=table[total],
                completed_at=NOW - timedelta(days=days),
                shared=not (private_after and days < 30),
            )
    return patient


def _seed(clinic, therapist):
    # A: 20 -> 8 -> 4: the latest is response and remission (4 < 5, 4 <= half of 20).
    _course(clinic, therapist, phq=[(35, 20), (10, 8), (5, 4)])
    # B: 12 -> 11: followed up, neither.
    _course(clinic, therapist, phq=[(32, 12), (5, 11)])
    # C: a baseline of 15, nothing since.
    _course(clinic, therapist, phq=[(31, 15)])
    # D: no dose, so no series and no baseline.
    _course(clinic, therapist, phq=[(20, 20), (5, 3)], dosed=False)
    # E: 18 -> 3, but the later response is private: started, not followed up.
    _course(clinic, therapist, phq=[(33, 18), (5, 3)], private_after=True)
    # G: GAD-7 14 -> 6: response (6 <= 7), no remission (6 >= 5).
    _course(clinic, therapist, gad=[(34, 14), (5, 6)])
    # Another clinic's patient, 20 -> 3, is not this clinic's outcome.
    elsewhere = factories.clinic()
    _course(elsewhere, factories.user(elsewhere, "therapist"), phq=[(35, 20), (5, 3)])


EXPECTED = {
    "phq9": {
        "started": 4,
        "followed_up": 2,
        "responded": 1,
        "remitted": 1,
        "response_rate": 0.5,
        "remission_rate": 0.5,
    },
    "gad7": {
        "started": 1,
        "followed_up": 1,
        "responded": 1,
        "remitted": 0,
        "response_rate": 1.0,
        "remission_rate": 0.0,
    },
    "pcl5": {
        "started": 0,
        "followed_up": 0,
        "responded": None,
        "remitted": None,
        "response_rate": None,
        "remission_rate": None,
    },
}


def test_the_report_matches_the_hand_counted_clinic(as_user, clinic, therapist):
    _seed(clinic, therapist)
    response = as_user(factories.user(clinic, "admin")).get(URL)
    assert response.status_code == 200
    rows = {row.pop("instrument"): row for row in response.get_json()["items"]}
    assert rows == EXPECTED


def test_the_csv_has_the_same_numbers_and_names_no_patient(as_user, clinic, therapist):
    _seed(clinic, therapist)
    response = as_user(factories.user(clinic, "admin")).get(URL, query_string={"format": "csv"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["instrument"] for row in rows] == ["phq9", "gad7", "pcl5"]
    assert rows[0]["started"] == "4" and rows[0]["response_rate"] == "0.5"
    assert rows[2]["responded"] == ""
    assert set(rows[0]) == {"instrument", *EXPECTED["phq9"]}


def test_an_unknown_format_is_a_problem_naming_the_field(as_user, clinic):
    response = as_user(factories.user(clinic, "admin")).get(URL, query_string={"format": "xls"})
    assert response.status_code == 422
    assert "format" in response.get_json()["errors"]


def test_the_report_costs_the_same_statements_for_one_or_many_patients(
    clinic, therapist, count_statements
):
    _course(clinic, therapist, phq=[(35, 20), (5, 4)])
    with count_statements() as statements:
        outcomes(clinic.id)
    one = len(statements)
    for _ in range(10):
        _course(clinic, therapist, phq=[(35, 20), (5, 8)], gad=[(34, 14), (5, 6)])
    with count_statements() as statements:
        outcomes(clinic.id)
    assert len(statements) == one == 3


def test_the_demo_clinics_report_matches_its_story_counted_by_hand(runner, client):
    """The demo's PHQ-9 courses (server/demo/history.py COURSES), counted by hand:
    every patient answers first five days before their first dose (a baseline),
    then weekly to the end. Alex 18 -> 5: a response (5 <= 9), no remission (5 is
    not below 5). Sam 15 -> 10: neither. Jordan 19 -> 18 with a safety answer:
    neither. GAD-7 follows PHQ-9 for all three; only Sam answers PCL-5 (every
    fourth week, from the baseline), which defines no response or remission."""
    from sqlalchemy import select

    from server.auth.models import User
    from server.extensions import db
    from tests.conftest import Auth

    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.between.test"))
    Auth(client).login(admin, "harbour-lights-demo")
    response = client.get(URL)
    assert response.status_code == 200
    rows = {row.pop("instrument"): row for row in response.get_json()["items"]}
    assert rows["phq9"] == {
        "started": 3,
        "followed_up": 3,
        "responded": 1,
        "remitted": 0,
        "response_rate": 0.333,
        "remission_rate": 0.0,
    }
    assert (rows["gad7"]["started"], rows["gad7"]["followed_up"]) == (3, 3)
    assert rows["pcl5"] == {
        "started": 1,
        "followed_up": 1,
        "responded": None,
        "remitted": None,
        "response_rate": None,
        "remission_rate": None,
    }
