"""The caseload's questionnaire columns: latest score, change from baseline, marker, relapse."""

import uuid
from datetime import timedelta

from server.extensions import db
from server.measures.models import MeasurePlan
from server.readside.caseload import caseload
from tests import factories
from tests.readside.world import NOW

URL = "/api/v1/patients"


def phq9(total: int, item9: int = 0) -> list[int]:
    answers = [0] * 8 + [item9]
    for index in range(total - item9):
        answers[index % 8] += 1
    return answers


def test_latest_phq9_and_gad7_with_change_from_baseline_and_marker(
    as_user, clinic, therapist, frozen
):
    patient = factories.user(clinic, "patient", therapist=therapist, display_name="Ana")
    start = NOW - timedelta(days=70)
    factories.measure_response(patient, "phq9", phq9(18), completed_at=start)
    factories.measure_response(patient, "gad7", [2, 2, 2, 2, 1, 1, 1], completed_at=start)
    factories.ketamine_session(patient, scheduled_at=start + timedelta(days=2))
    factories.measure_response(patient, "phq9", phq9(4), completed_at=start + timedelta(days=20))
    factories.measure_response(
        patient, "phq9", phq9(8), completed_at=start + timedelta(days=34), shared=False
    )
    factories.measure_response(
        patient, "gad7", [1, 1, 1, 1, 1, 1, 0], completed_at=start + timedelta(days=20)
    )
    (row,) = as_user(therapist).get(URL).get_json()["items"]
    scores = {score["instrument"]: score for score in row["scores"]}
    assert set(scores) == {"phq9", "gad7"}  # PCL-5 is off
    # The private 8 is not the latest the therapist sees.
    assert (scores["phq9"]["total"], scores["phq9"]["baseline_total"]) == (4, 18)
    assert scores["phq9"]["change_from_baseline"] == -14
    assert scores["phq9"]["marker"] == "remission"
    assert (scores["gad7"]["total"], scores["gad7"]["change_from_baseline"]) == (6, -5)
    assert scores["gad7"]["marker"] == "reliable change, improved"
    assert row["relapse"] is None


def test_pcl5_shows_where_it_is_on(as_user, clinic, therapist, frozen):
    patient = factories.user(clinic, "patient", therapist=therapist)
    factories.measure_response(patient, "pcl5", [2] * 20, completed_at=NOW - timedelta(days=3))
    (row,) = as_user(therapist).get(URL).get_json()["items"]
    assert row["scores"] == []
    db.session.add(MeasurePlan(patient_id=patient.id, phq9=True, gad7=True, pcl5=True))
    db.session.commit()
    (row,) = as_user(therapist).get(URL).get_json()["items"]
    assert [(s["instrument"], s["total"], s["marker"]) for s in row["scores"]] == [
        ("pcl5", 40, None)
    ]


def test_relapse_signal_6_above_the_nadir_with_days_since_the_last_dose(clinic, therapist):
    patient = factories.user(clinic, "patient", therapist=therapist)
    start = NOW - timedelta(days=90)
    factories.measure_response(patient, "phq9", phq9(16), completed_at=start)
    factories.ketamine_session(patient, scheduled_at=start + timedelta(days=1))
    last = factories.ketamine_session(patient, scheduled_at=start + timedelta(days=40))
    for day, total in [(15, 8), (30, 3), (60, 8)]:
        factories.measure_response(
            patient, "phq9", phq9(total), completed_at=start + timedelta(days=day)
        )
    (row,) = caseload(therapist, now=NOW)
    assert row["relapse"] is None  # 5 above the nadir of 3
    factories.measure_response(patient, "phq9", phq9(9), completed_at=NOW - timedelta(days=1))
    (row,) = caseload(therapist, now=NOW)
    assert row["relapse"] == {
        "total": 9,
        "nadir_total": 3,
        "days_since_last_dose": (NOW - last.scheduled_at).days,
    }


def test_item_9_shows_instead_of_remission(as_user, clinic, therapist, frozen):
    patient = factories.user(clinic, "patient", therapist=therapist)
    factories.measure_response(patient, "phq9", phq9(15), completed_at=NOW - timedelta(days=30))
    factories.ketamine_session(patient, scheduled_at=NOW - timedelta(days=29))
    factories.measure_response(
        patient, "phq9", phq9(3, item9=1), completed_at=NOW - timedelta(days=2), id=uuid.uuid4()
    )
    (row,) = as_user(therapist).get(URL).get_json()["items"]
    # A remission-level total (3 from 15), but item 9 is answered: its answer shows instead.
    assert row["scores"][0]["marker"] == "item 9: several days"
    factories.measure_response(
        patient, "phq9", phq9(4, item9=3), completed_at=NOW - timedelta(days=1), id=uuid.uuid4()
    )
    (row,) = as_user(therapist).get(URL).get_json()["items"]
    assert row["scores"][0]["marker"] == "item 9: nearly every day"


def test_the_nadir_is_the_current_series_best_shared_score_before_the_latest(clinic, therapist):
    patient = factories.user(clinic, "patient", therapist=therapist)
    first = NOW - timedelta(days=200)
    factories.measure_response(patient, "phq9", phq9(17), completed_at=first - timedelta(days=1))
    factories.ketamine_session(patient, scheduled_at=first)
    # The first series' best: not this series' nadir.
    factories.measure_response(patient, "phq9", phq9(2), completed_at=first + timedelta(days=10))
    second = factories.ketamine_session(patient, scheduled_at=NOW - timedelta(days=60))
    for day, total, shared in [(-5, 12, True), (10, 5, True), (20, 1, False), (40, 9, True)]:
        factories.measure_response(
            patient,
            "phq9",
            phq9(total),
            completed_at=second.scheduled_at + timedelta(days=day),
            shared=shared,
        )
    factories.measure_response(patient, "phq9", phq9(11), completed_at=NOW - timedelta(days=2))
    (row,) = caseload(therapist, now=NOW)
    (score,) = row["scores"]
    assert (score["total"], score["baseline_total"]) == (11, 12)
    # The private 1 and the first series' 2 do not count; the latest 11 is judged, not a nadir.
    assert row["relapse"] == {
        "total": 11,
        "nadir_total": 5,
        "days_since_last_dose": (NOW - second.scheduled_at).days,
    }


def test_a_score_from_an_earlier_series_keeps_that_series_baseline(clinic, therapist):
    patient = factories.user(clinic, "patient", therapist=therapist)
    first = NOW - timedelta(days=200)
    factories.measure_response(patient, "phq9", phq9(18), completed_at=first - timedelta(days=2))
    factories.ketamine_session(patient, scheduled_at=first)
    factories.measure_response(patient, "phq9", phq9(6), completed_at=first + timedelta(days=20))
    # More than 8 weeks later a new series begins; only GAD-7 was answered in it.
    factories.ketamine_session(patient, scheduled_at=NOW - timedelta(days=30))
    gad7 = [2, 2, 2, 2, 2, 2, 3]
    factories.measure_response(patient, "gad7", gad7, completed_at=NOW - timedelta(days=35))
    factories.measure_response(patient, "gad7", [1] * 7, completed_at=NOW - timedelta(days=5))
    (row,) = caseload(therapist, now=NOW)
    scores = {s["instrument"]: (s["total"], s["baseline_total"]) for s in row["scores"]}
    # The PHQ-9 of 6 belongs to the first series: judged against 18, not against itself.
    assert scores == {"phq9": (6, 18), "gad7": (7, 15)}
    assert row["relapse"] is None
