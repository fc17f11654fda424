"""The flag rules that judge questionnaire scores: worsening against baseline and nadir, relapse."""

import uuid
from datetime import timedelta

from server.db import utcnow
from tests import factories


def phq9(total: int) -> list[int]:
    answers = [0] * 9
    for index in range(total):
        answers[index % 8] += 1
    return answers


def answer(client, total, days, start):
    made = client.post(
        "/api/v1/measures/phq9/responses",
        json={
            "id": str(uuid.uuid4()),
            "answers": phq9(total),
            "completed_at": (start + timedelta(days=days)).isoformat(),
        },
    )
    assert made.status_code == 201, made.get_json()
    return made.get_json()["flags"]


def test_a_slow_climb_8_12_16_19_is_caught_against_the_baseline(as_user, patient):
    start = utcnow() - timedelta(days=60)
    factories.ketamine_session(patient, scheduled_at=start + timedelta(days=1))
    client = as_user(patient)
    # No step is reliable change (6), but 16 is 8 above the baseline 8.
    assert [answer(client, total, day, start) for total, day in [(8, 0), (12, 14)]] == [[], []]
    assert answer(client, 16, 28, start) == ["reliable_worsening"]
    # Still climbing: 19 is 7 above the best since dosing began (12), a relapse signal.
    assert answer(client, 19, 42, start) == ["relapse_signal"]


def test_relapse_signal_rising_6_above_the_nadir_since_the_series_began(
    as_user, therapist, patient
):
    start = utcnow() - timedelta(days=80)
    factories.ketamine_session(patient, scheduled_at=start + timedelta(days=1))
    last = factories.ketamine_session(patient, scheduled_at=start + timedelta(days=20))
    # Cancelled, and after the response: neither is the dose it is counted from.
    factories.ketamine_session(patient, scheduled_at=start + timedelta(days=50), status="cancelled")
    factories.ketamine_session(patient, scheduled_at=start + timedelta(days=60))
    client = as_user(patient)
    assert answer(client, 18, 0, start) == []  # baseline
    assert answer(client, 7, 14, start) == []
    assert answer(client, 4, 28, start) == []  # the nadir
    assert answer(client, 9, 42, start) == []  # 5 above: not yet
    assert answer(client, 10, 56, start) == ["relapse_signal"]  # 6 above the nadir
    (flag,) = as_user(therapist).get("/api/v1/flags").get_json()["items"]
    assert (flag["kind"], flag["severity"]) == ("relapse_signal", "warning")
    # Answered on day 56, the last dose on day 20: 36 days after it.
    assert (
        flag["days_since_last_dose"]
        == 56 - 20
        == (start + timedelta(days=56) - last.scheduled_at).days
    )


def test_only_the_relapse_flag_counts_days_since_the_last_dose(as_user, therapist, patient):
    start = utcnow() - timedelta(days=60)
    factories.ketamine_session(patient, scheduled_at=start + timedelta(days=1))
    client = as_user(patient)
    assert answer(client, 8, 0, start) == []
    assert answer(client, 20, 14, start) == ["phq9_severe", "reliable_worsening"]
    flags = as_user(therapist).get("/api/v1/flags").get_json()["items"]
    assert {f["kind"]: f["days_since_last_dose"] for f in flags} == {
        "phq9_severe": None,
        "reliable_worsening": None,
    }


def test_gad7_worsening_against_its_baseline(as_user, patient):
    start = utcnow() - timedelta(days=40)
    factories.ketamine_session(patient, scheduled_at=start + timedelta(days=1))
    client = as_user(patient)

    def gad7(answers, days):
        return client.post(
            "/api/v1/measures/gad7/responses",
            json={
                "id": str(uuid.uuid4()),
                "answers": answers,
                "completed_at": (start + timedelta(days=days)).isoformat(),
            },
        ).get_json()["flags"]

    assert gad7([1, 1, 0, 0, 0, 0, 0], 0) == []  # 2
    assert gad7([1, 1, 1, 1, 0, 0, 0], 14) == []  # 4: +2
    assert gad7([1, 1, 1, 1, 1, 1, 0], 28) == ["reliable_worsening"]  # 6: +4 on the baseline


def test_gad7_worsening_against_its_nadir_not_only_its_baseline(as_user, patient):
    """Better than the baseline, but 4 (GAD-7's reliable change) above the best since dosing."""
    start = utcnow() - timedelta(days=60)
    factories.ketamine_session(patient, scheduled_at=start + timedelta(days=1))
    client = as_user(patient)

    def gad7(total, days):
        answers = [0] * 7
        for index in range(total):
            answers[index % 7] += 1
        made = client.post(
            "/api/v1/measures/gad7/responses",
            json={
                "id": str(uuid.uuid4()),
                "answers": answers,
                "completed_at": (start + timedelta(days=days)).isoformat(),
            },
        )
        assert made.status_code == 201, made.get_json()
        return made.get_json()["flags"]

    assert gad7(14, 0) == []  # the baseline, before the first dose
    assert gad7(5, 14) == []  # the nadir
    assert gad7(8, 28) == []  # 3 above the nadir: not yet
    # 9 is 5 below the baseline and 1 above the previous, but 4 above the nadir.
    assert gad7(9, 42) == ["reliable_worsening"]
