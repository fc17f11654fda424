"""Scoring against hand-checked answer vectors, at every band boundary.

Each vector's total was added up by hand; the band is the published one
for that total (instruments.json, copied from the shared data unchanged).
"""

import hashlib
from pathlib import Path

import pytest

from server.measures import scoring

# SHA-256 of the shared data/instruments.json the copy was made from: the
# published wording must not drift by an edit here.
SHARED_DATA_SHA256 = "2e3eb117fca000e86e087c96b37bd8506dbbf98d351536731748b07d21e4ddab"

PHQ9 = [
    ([0, 0, 0, 0, 0, 0, 0, 0, 0], 0, "minimal"),
    ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "minimal"),
    ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "mild"),
    ([1, 1, 1, 1, 1, 1, 1, 1, 1], 9, "mild"),
    ([2, 1, 1, 1, 1, 1, 1, 1, 1], 10, "moderate"),
    ([2, 2, 2, 2, 2, 1, 1, 1, 1], 14, "moderate"),
    ([2, 2, 2, 2, 2, 2, 1, 1, 1], 15, "moderately severe"),
    ([3, 3, 3, 2, 2, 2, 2, 1, 1], 19, "moderately severe"),
    ([3, 3, 3, 3, 2, 2, 2, 1, 1], 20, "severe"),
    ([3, 3, 3, 3, 3, 3, 3, 3, 3], 27, "severe"),
]

GAD7 = [
    ([0, 0, 0, 0, 0, 0, 0], 0, "minimal"),
    ([1, 1, 1, 1, 0, 0, 0], 4, "minimal"),
    ([1, 1, 1, 1, 1, 0, 0], 5, "mild"),
    ([2, 2, 1, 1, 1, 1, 1], 9, "mild"),
    ([2, 2, 2, 1, 1, 1, 1], 10, "moderate"),
    ([2, 2, 2, 2, 2, 2, 2], 14, "moderate"),
    ([3, 2, 2, 2, 2, 2, 2], 15, "severe"),
    ([3, 3, 3, 3, 3, 3, 3], 21, "severe"),
]


@pytest.mark.parametrize(("answers", "total", "band"), PHQ9)
def test_phq9_totals_and_bands(answers, total, band):
    scored = scoring.score("phq9", answers)
    assert (scored.total, scored.severity, scored.subscores) == (total, band, None)


@pytest.mark.parametrize(("answers", "total", "band"), GAD7)
def test_gad7_totals_and_bands(answers, total, band):
    scored = scoring.score("gad7", answers)
    assert (scored.total, scored.severity) == (total, band)


def test_gad7_probable_anxiety_disorder_from_10():
    assert scoring.threshold("gad7", 9)["met"] is False
    assert scoring.threshold("gad7", 10) == {
        "label": "probable anxiety disorder",
        "cutoff": 10,
        "met": True,
    }
    assert scoring.threshold("phq9", 27) is None


def test_pcl5_has_no_band_but_a_probable_ptsd_cutoff_at_33():
    below = [2] * 16 + [0] * 4  # 32
    at = [2] * 16 + [1, 0, 0, 0]  # 33
    assert scoring.score("pcl5", below).total == 32
    assert scoring.score("pcl5", below).severity is None
    assert scoring.threshold("pcl5", 32)["met"] is False
    assert scoring.score("pcl5", at).total == 33
    assert scoring.threshold("pcl5", 33) == {"label": "probable PTSD", "cutoff": 33, "met": True}


def test_pcl5_cluster_subscores_follow_dsm5_items():
    # B = items 1-5, C = 6-7, D = 8-14, E = 15-20.
    answers = [2] * 16 + [1, 0, 0, 0]
    assert scoring.score("pcl5", answers).subscores == {"B": 10, "C": 4, "D": 14, "E": 5}
    answers = [4] * 5 + [0, 3] + [1] * 7 + [0, 0, 0, 0, 0, 2]
    assert scoring.score("pcl5", answers).subscores == {"B": 20, "C": 3, "D": 7, "E": 2}
    assert scoring.score("pcl5", [4] * 20).total == 80


def test_only_phq9_item_9_above_zero_is_a_safety_answer():
    assert scoring.safety_answer("phq9", [0] * 8 + [1])
    assert not scoring.safety_answer("phq9", [3] * 8 + [0])
    assert not scoring.safety_answer("gad7", [3] * 7)


@pytest.mark.parametrize(
    ("instrument", "previous", "total", "expected"),
    [
        ("phq9", 10, 15, "worsened"),
        ("phq9", 10, 14, None),
        ("phq9", 15, 10, "improved"),
        ("phq9", 15, 11, None),
        ("gad7", 6, 10, "worsened"),
        ("gad7", 6, 9, None),
        ("gad7", 10, 6, "improved"),
        ("pcl5", 30, 40, "worsened"),
        ("pcl5", 30, 39, None),
        ("pcl5", 40, 30, "improved"),
        ("phq9", None, 27, None),
    ],
)
def test_reliable_change_against_the_previous_response(instrument, previous, total, expected):
    assert scoring.reliable_change(instrument, previous, total) == expected


@pytest.mark.parametrize(
    ("baseline", "total", "expected"),
    [(20, 10, True), (20, 11, False), (15, 7, True), (15, 8, False), (0, 0, False)],
)
def test_phq9_response_is_a_halving_from_baseline(baseline, total, expected):
    assert scoring.is_response("phq9", baseline, total) is expected


def test_phq9_remission_is_below_5_and_other_instruments_have_no_such_marker():
    assert scoring.is_remission("phq9", 4) is True
    assert scoring.is_remission("phq9", 5) is False
    assert scoring.is_remission("gad7", 0) is None
    assert scoring.is_response("gad7", 20, 0) is None
    assert scoring.is_response("phq9", None, 0) is None


def test_answer_errors_name_each_bad_or_missing_item():
    errors = scoring.answer_errors("phq9", [0, 4, -1, "2", None, True, 1.5, 0])
    assert set(errors) == {
        "answers.1",
        "answers.2",
        "answers.3",
        "answers.4",
        "answers.5",
        "answers.6",
        "answers.8",
    }
    assert errors["answers.8"] == ["Answer this item."]
    too_many = scoring.answer_errors("gad7", [0] * 8)
    assert set(too_many) == {"answers"}
    assert scoring.answer_errors("pcl5", [4] * 20) == {}
    assert set(scoring.answer_errors("phq9", [4] * 9)) == {f"answers.{i}" for i in range(9)}


def test_scoring_refuses_what_it_cannot_score():
    with pytest.raises(ValueError):
        scoring.score("phq9", [0] * 8)


def test_the_project_copy_of_the_instruments_is_the_shared_data_unchanged():
    copy = Path(scoring.__file__).with_name("instruments.json").read_bytes()
    assert hashlib.sha256(copy).hexdigest() == SHARED_DATA_SHA256
