"""PCL-5 through the API: cluster sums and the DSM-5 provisional rule on each response,
in the patient's history and the therapist's item table, and its change levels."""

import uuid
from datetime import timedelta

from server.db import utcnow
from tests import factories

# B 1-5, C 6-7, D 8-14, E 15-20: exactly 1, 1, 2 and 2 items rated 2 or more.
MEETS = [2, 1, 1, 0, 0, 2, 0, 2, 2, 1, 0, 0, 0, 0, 2, 2, 1, 0, 0, 0]


def answer(client, answers, at):
    made = client.post(
        "/api/v1/measures/pcl5/responses",
        json={"id": str(uuid.uuid4()), "answers": answers, "completed_at": at.isoformat()},
    )
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def test_each_response_carries_cluster_sums_and_the_provisional_rule(as_user, patient):
    start = utcnow() - timedelta(days=40)
    client = as_user(patient)
    met = answer(client, MEETS, start)
    assert met["subscores"] == {"B": 4, "C": 2, "D": 5, "E": 5}
    assert met["total"] == 16 and met["provisional_diagnosis"] is True
    # One D item down to 1: only one endorsed in D, so the rule is not met.
    short = list(MEETS)
    short[8] = 1
    missed = answer(client, short, start + timedelta(days=1))
    assert missed["subscores"]["D"] == 4 and missed["provisional_diagnosis"] is False
    phq9 = client.post(
        "/api/v1/measures/phq9/responses", json={"id": str(uuid.uuid4()), "answers": [3] * 9}
    ).get_json()
    assert phq9["provisional_diagnosis"] is None and phq9["subscores"] is None


def test_the_therapists_table_rows_carry_cluster_sums_and_the_rule(as_user, therapist, patient):
    start = utcnow() - timedelta(days=40)
    factories.measure_response(patient, "pcl5", MEETS, completed_at=start)
    factories.measure_response(patient, "pcl5", [0] * 20, completed_at=start + timedelta(days=30))
    table = as_user(therapist).get(f"/api/v1/patients/{patient.id}/measures/pcl5/table")
    rows = table.get_json()["rows"]
    assert [(row["subscores"], row["provisional_diagnosis"]) for row in rows] == [
        ({"B": 4, "C": 2, "D": 5, "E": 5}, True),
        ({"B": 0, "C": 0, "D": 0, "E": 0}, False),
    ]


def pcl5(total: int) -> list[int]:
    """A PCL-5 vector with `total` (0-80), spread over the items."""
    return [total // 20 + (1 if index < total % 20 else 0) for index in range(20)]


def test_pcl5_markers_at_4_5_9_and_10_name_their_level_never_reliable_change(as_user, patient):
    start = utcnow() - timedelta(days=90)
    factories.measure_response(patient, "pcl5", pcl5(40), completed_at=start)  # the baseline
    factories.ketamine_session(patient, scheduled_at=start + timedelta(days=1))
    client = as_user(patient)
    expected = [
        (36, None),
        (35, "possible change"),
        (31, "possible change"),
        (30, "clinically meaningful change"),
        (50, "clinically meaningful change"),
    ]
    for day, (total, label) in enumerate(expected, start=1):
        made = answer(client, pcl5(total), start + timedelta(days=14 * day))
        assert made["total"] == total and made["baseline_total"] == 40
        change = made["markers"]["change"]
        assert (change["label"] if change else None) == label
        assert made["markers"]["reliable_change"] is None
        if change:
            assert change["direction"] == ("worsened" if total > 40 else "improved")
            assert "National Center for PTSD" in change["source"]
        # PCL-5 has no response or remission in the data.
        assert made["markers"]["response"] is None and made["markers"]["remission"] is None
