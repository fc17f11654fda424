"""Scoring against hand-checked answer vectors, at every band boundary.

Each vector's total was added up by hand; the band is the published one
for that total (instruments.json, copied from the shared data unchanged).
"""

import hashlib
from pathlib import Path

import pytest

from server.measures import scoring
from server.measures.criteria import _criteria, criteria

# SHA-256 of the shared data/instruments.json the copy was made from: the
# published wording must not drift by an edit here.
SHARED_DATA_SHA256 = "ba775f06efaba50149ec23ed2663992ddd4bfb2b3832e4d29ac0c0ed71d442b4"

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


def test_the_thresholds_come_from_the_data_with_their_source():
    assert scoring.RELIABLE_CHANGE["phq9"] == 6 and scoring.RELIABLE_CHANGE["gad7"] == 4
    phq9 = criteria("phq9").change_levels
    assert [(level.label, level.points, level.source) for level in phq9] == [
        ("reliable change", 6, "NHS Talking Therapies manual")
    ]
    pcl5 = criteria("pcl5").change_levels
    assert [(level.label, level.points, level.up_to) for level in pcl5] == [
        ("clinically meaningful change", 10, None),
        ("possible change", 5, 9),
    ]
    assert all("National Center for PTSD" in level.source for level in pcl5)
    assert (criteria("gad7").clinical_baseline, criteria("gad7").remission_below) == (10, 5)
    assert criteria("pcl5").cluster_minimum == {"B": 1, "C": 1, "D": 2, "E": 2}


def test_a_rule_the_code_cannot_read_stops_start_up():
    with pytest.raises(ValueError, match=r"phq9\.reliable_change"):
        _criteria("phq9", {"reliable_change": "about six points"})


@pytest.mark.parametrize(
    ("instrument", "baseline", "total", "expected"),
    [
        ("phq9", 10, 15, None),  # 5: not reliable
        ("phq9", 10, 16, "worsened"),  # 6
        ("phq9", 16, 11, None),
        ("phq9", 16, 10, "improved"),
        ("gad7", 6, 9, None),  # 3
        ("gad7", 6, 10, "worsened"),  # 4
        ("gad7", 10, 7, None),
        ("gad7", 10, 6, "improved"),
        ("phq9", None, 27, None),
        ("pcl5", 30, 50, None),  # PCL-5 has no "reliable change", only its own levels
    ],
)
def test_reliable_change_at_5_6_and_3_4(instrument, baseline, total, expected):
    assert scoring.reliable_change(instrument, baseline, total) == expected


@pytest.mark.parametrize(
    ("baseline", "total", "label", "direction"),
    [
        (30, 34, None, None),
        (30, 35, "possible change", "worsened"),
        (30, 39, "possible change", "worsened"),
        (30, 40, "clinically meaningful change", "worsened"),
        (40, 36, None, None),
        (40, 35, "possible change", "improved"),
        (40, 31, "possible change", "improved"),
        (40, 30, "clinically meaningful change", "improved"),
    ],
)
def test_pcl5_change_at_4_5_9_and_10(baseline, total, label, direction):
    change = scoring.markers("pcl5", [0] * 20, total, baseline_total=baseline)["change"]
    if label is None:
        assert change is None
    else:
        assert (change["label"], change["direction"]) == (label, direction)
        assert change["points"] == abs(total - baseline)
        assert "reliable" not in change["label"]


@pytest.mark.parametrize("instrument", ["phq9", "gad7"])
@pytest.mark.parametrize(
    ("baseline", "total", "response"),
    [(20, 10, True), (20, 11, False), (15, 7, True), (15, 8, False), (10, 5, True), (10, 6, False)],
)
def test_response_at_exactly_50_percent(instrument, baseline, total, response):
    assert scoring.is_response(instrument, baseline, total) is response


@pytest.mark.parametrize("instrument", ["phq9", "gad7"])
def test_response_and_remission_only_from_a_baseline_of_10_or_more(instrument):
    assert scoring.is_response(instrument, 9, 0) is None
    assert scoring.is_remission(instrument, 9, 0) is None
    assert scoring.is_response(instrument, 10, 5) is True
    assert scoring.is_remission(instrument, 10, 4) is True
    assert scoring.is_remission(instrument, 10, 5) is False
    assert scoring.is_response(instrument, None, 0) is None
    assert scoring.is_response("pcl5", 60, 0) is None


def test_item_9_withholds_response_and_remission_even_at_a_remission_level_total():
    answers = [0] * 8 + [2]  # total 2: remission-level
    marked = scoring.markers("phq9", answers, 2, baseline_total=18)
    assert (marked["response"], marked["remission"]) == (None, None)
    assert marked["withheld"] == "safety_item" and marked["safety_item_answer"] == 2
    assert marked["reliable_change"] == "improved"
    clear = scoring.markers("phq9", [1, 1] + [0] * 7, 2, baseline_total=18)
    assert (clear["response"], clear["remission"], clear["withheld"]) == (True, True, None)


# B 1-5, C 6-7, D 8-14, E 15-20: exactly 1, 1, 2 and 2 items rated 2 or more.
PROVISIONAL = [4, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("cluster", "item"),
    [("B", 1), ("C", 6), ("D", 9), ("E", 16)],
)
def test_dsm5_provisional_rule_fails_with_one_item_short_in_each_cluster(cluster, item):
    assert scoring.provisional_diagnosis("pcl5", PROVISIONAL) is True
    short = list(PROVISIONAL)
    short[item - 1] = 1  # rated 1: not endorsed
    assert scoring.provisional_diagnosis("pcl5", short) is False
    assert scoring.provisional_diagnosis("phq9", [3] * 9) is None


def test_difficulty_item_is_optional_and_an_option_index():
    assert scoring.difficulty_errors("phq9", None) == {}
    assert scoring.difficulty_errors("gad7", 3) == {}
    assert set(scoring.difficulty_errors("phq9", 4)) == {"difficulty"}
    assert set(scoring.difficulty_errors("phq9", True)) == {"difficulty"}
    assert set(scoring.difficulty_errors("pcl5", 0)) == {"difficulty"}
    assert scoring.difficulty_options("phq9")[0] == "Not difficult at all"


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
