"""Flags: raised by the rules, seen by the care team only, never revealing private items."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from server.db import utcnow
from server.extensions import db
from server.flags import queries
from server.flags.models import Flag
from server.measures.queries import score_trends
from server.signals import flag_raised
from tests import factories

FLAGS = "/api/v1/flags"
ACK = {"outcome": "contacted_patient"}
ITEM_9 = [0, 0, 0, 0, 0, 0, 0, 0, 2]
SEVERE_NO_ITEM_9 = [3, 3, 3, 3, 3, 3, 3, 3, 0]  # 24


def answer(client, answers, instrument="phq9", **body):
    body.setdefault("id", str(uuid.uuid4()))
    body.setdefault("completed_at", utcnow().isoformat())
    return client.post(
        f"/api/v1/measures/{instrument}/responses", json={"answers": answers, **body}
    )


def open_flags(client, **query):
    response = client.get(FLAGS, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_item_9_on_a_private_response_reaches_the_therapist_without_content(
    as_user, therapist, patient
):
    created = answer(as_user(patient), ITEM_9, shared=False).get_json()
    flags = open_flags(as_user(therapist))
    assert len(flags) == 1
    flag = flags[0]
    assert flag["kind"] == "phq9_item9" and flag["severity"] == "urgent"
    assert flag["description"] == "A safety answer needs follow-up."
    assert flag["patient_id"] == str(patient.id)
    # Nothing that leads to, or describes, the private response.
    assert flag["source_id"] is None and flag["source_type"] is None
    assert created["id"] not in str(flags)
    assert score_trends([patient.id]) == {patient.id: []}


def test_a_shared_item_9_flag_points_at_its_response(as_user, therapist, patient):
    created = answer(as_user(patient), ITEM_9, shared=True).get_json()
    (flag,) = open_flags(as_user(therapist))
    assert flag["source_type"] == "measure_response" and flag["source_id"] == created["id"]


def test_a_severe_private_response_raises_nothing_and_is_not_counted(as_user, therapist, patient):
    body = answer(as_user(patient), SEVERE_NO_ITEM_9, shared=False).get_json()
    assert body["total"] == 24 and body["flags"] == []
    assert open_flags(as_user(therapist)) == []
    assert queries.open_flag_summary(therapist) == {"open": 0, "urgent": 0}
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 0


def test_a_severe_shared_phq9_raises_a_warning(as_user, therapist, patient):
    body = answer(as_user(patient), SEVERE_NO_ITEM_9).get_json()
    assert body["flags"] == ["phq9_severe"]
    (flag,) = open_flags(as_user(therapist))
    assert flag["severity"] == "warning" and flag["source_id"] == body["id"]


def test_19_is_not_severe_20_is(as_user, therapist, patient):
    client = as_user(patient)
    assert answer(client, [3, 3, 3, 2, 2, 2, 2, 2, 0]).get_json()["flags"] == []
    assert answer(client, [3, 3, 3, 3, 2, 2, 2, 2, 0]).get_json()["flags"] == ["phq9_severe"]


def test_reliable_worsening_compares_shared_responses_only(as_user, therapist, patient):
    client = as_user(patient)
    start = utcnow() - timedelta(days=30)
    at = lambda days: (start + timedelta(days=days)).isoformat()  # noqa: E731
    answer(client, [1, 1, 1, 1, 1, 0, 0, 0, 0], completed_at=at(0))  # shared 5
    answer(client, [3, 3, 3, 3, 3, 3, 2, 0, 0], completed_at=at(7), shared=False)  # private 20
    # 11 is 9 below the private 20 and 6 above the shared 5: worse, as the therapist sees it.
    third = answer(client, [2, 2, 2, 2, 1, 1, 1, 0, 0], completed_at=at(14)).get_json()
    assert third["total"] == 11 and third["flags"] == ["reliable_worsening"]
    gad_first = answer(client, [1, 1, 1, 0, 0, 0, 0], "gad7", completed_at=at(0)).get_json()
    gad_next = answer(client, [2, 2, 1, 1, 1, 0, 0], "gad7", completed_at=at(7)).get_json()
    assert (gad_first["total"], gad_next["total"]) == (3, 7)
    assert gad_next["flags"] == ["reliable_worsening"]  # +4 on GAD-7
    kinds = [f["kind"] for f in open_flags(as_user(therapist))]
    assert kinds == ["reliable_worsening", "reliable_worsening"]


def test_pcl5_worsening_needs_10_points(as_user, therapist, patient):
    client = as_user(patient)
    start = utcnow() - timedelta(days=60)
    at = lambda days: (start + timedelta(days=days)).isoformat()  # noqa: E731
    first = answer(client, [1] * 20, "pcl5", completed_at=at(0)).get_json()
    nine_up = answer(client, [1] * 11 + [2] * 9, "pcl5", completed_at=at(30)).get_json()
    ten_up = answer(client, [2] * 19 + [1], "pcl5", completed_at=at(59)).get_json()
    assert [first["total"], nine_up["total"], ten_up["total"]] == [20, 29, 39]
    assert (nine_up["flags"], ten_up["flags"]) == ([], ["reliable_worsening"])


def test_revoking_sharing_hides_a_flag_at_once_and_sharing_again_shows_it(
    as_user, therapist, patient
):
    client = as_user(patient)
    created = answer(client, SEVERE_NO_ITEM_9).get_json()
    staff = as_user(therapist)
    assert len(open_flags(staff)) == 1
    url = f"/api/v1/measures/responses/{created['id']}"
    assert client.patch(url, json={"version": 1, "shared": False}).status_code == 200
    assert open_flags(staff) == []
    assert queries.open_flag_summary(therapist) == {"open": 0, "urgent": 0}
    assert client.patch(url, json={"version": 2, "shared": True}).status_code == 200
    assert len(open_flags(staff)) == 1
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 1


def test_sharing_a_severe_response_later_raises_its_flag_then(as_user, therapist, patient):
    client = as_user(patient)
    created = answer(client, SEVERE_NO_ITEM_9, shared=False).get_json()
    url = f"/api/v1/measures/responses/{created['id']}"
    shared = client.patch(url, json={"version": 1, "shared": True}).get_json()
    assert shared["flags"] == ["phq9_severe"]
    assert [f["kind"] for f in open_flags(as_user(therapist))] == ["phq9_severe"]


def test_deleting_a_response_keeps_its_urgent_flag_and_drops_the_others(
    as_user, therapist, patient
):
    client = as_user(patient)
    created = answer(client, [3, 3, 3, 3, 3, 3, 3, 3, 3]).get_json()
    assert sorted(created["flags"]) == ["phq9_item9", "phq9_severe"]
    client.delete(f"/api/v1/measures/responses/{created['id']}")
    flags = open_flags(as_user(therapist))
    assert [f["kind"] for f in flags] == ["phq9_item9"] and flags[0]["source_id"] is None


def test_urgent_flags_come_first_then_the_newest(as_user, therapist, patient, clinic):
    other = factories.user(clinic, "patient", therapist=therapist)
    now = utcnow()
    old_warning = factories.flag(patient, "mood_drop", raised_at=now - timedelta(days=2))
    new_warning = factories.flag(other, "phq9_severe", raised_at=now - timedelta(hours=1))
    old_urgent = factories.flag(other, "phq9_item9", raised_at=now - timedelta(days=3))
    ids = [f["id"] for f in open_flags(as_user(therapist))]
    assert ids == [str(old_urgent.id), str(new_warning.id), str(old_warning.id)]


def test_paging_flags(as_user, therapist, patient):
    now = utcnow()
    made = [factories.flag(patient, raised_at=now - timedelta(minutes=m)) for m in range(5)]
    urgent = factories.flag(patient, "phq9_item9", raised_at=now - timedelta(days=9))
    client = as_user(therapist)
    first = client.get(FLAGS, query_string={"limit": 4}).get_json()
    second = client.get(FLAGS, query_string={"limit": 4, "cursor": first["next_cursor"]}).get_json()
    assert [f["id"] for f in first["items"] + second["items"]] == [
        str(f.id) for f in [urgent, *made]
    ]
    assert second["next_cursor"] is None


def test_a_therapist_sees_only_their_care_teams_flags(as_user, clinic, therapist, patient):
    factories.flag(patient, "phq9_item9")
    colleague = factories.user(clinic, "therapist")
    elsewhere = factories.clinic()
    foreign_therapist = factories.user(elsewhere, "therapist")
    factories.flag(factories.user(elsewhere, "patient", therapist=foreign_therapist))
    assert open_flags(as_user(colleague)) == []
    assert [f["kind"] for f in open_flags(as_user(foreign_therapist))] == ["phq9_severe"]
    assert (
        as_user(colleague).get(FLAGS, query_string={"patient_id": str(patient.id)}).status_code
        == 404
    )
    assert len(open_flags(as_user(therapist), patient_id=str(patient.id))) == 1


def test_acknowledging_keeps_the_time_from_raised_to_seen(as_user, therapist, patient):
    flag = factories.flag(patient, "phq9_item9", raised_at=utcnow() - timedelta(minutes=30))
    client = as_user(therapist)
    first = client.post(f"{FLAGS}/{flag.id}/acknowledge", json=ACK)
    assert first.status_code == 200
    body = first.get_json()
    assert body["acknowledged_by_id"] == str(therapist.id)
    assert 30 * 60 <= body["seconds_to_acknowledge"] < 31 * 60
    again = client.post(f"{FLAGS}/{flag.id}/acknowledge", json=ACK)
    assert again.status_code == 200
    assert again.get_json()["acknowledged_at"] == body["acknowledged_at"]
    assert open_flags(client) == []


def test_nobody_outside_the_care_team_acknowledges(as_user, clinic, therapist, patient):
    flag = factories.flag(patient, "phq9_item9")
    colleague = factories.user(clinic, "therapist")
    foreign = factories.user(factories.clinic(), "therapist")
    url = f"{FLAGS}/{flag.id}/acknowledge"
    assert as_user(colleague).post(url, json=ACK).status_code == 404
    assert as_user(foreign).post(url, json=ACK).status_code == 404
    assert as_user(patient).post(url, json=ACK).status_code == 403
    assert (
        as_user(therapist).post(f"{FLAGS}/{uuid.uuid4()}/acknowledge", json=ACK).status_code == 404
    )
    assert db.session.scalar(select(Flag.acknowledged_at).where(Flag.id == flag.id)) is None


def test_a_flag_on_a_private_item_cannot_be_acknowledged_either(as_user, therapist, patient):
    response = factories.measure_response(patient, answers=SEVERE_NO_ITEM_9, shared=False)
    flag = factories.flag(
        patient, "phq9_severe", source_type="measure_response", source_id=response.id
    )
    assert as_user(therapist).post(f"{FLAGS}/{flag.id}/acknowledge", json=ACK).status_code == 404


def test_a_new_flag_is_announced_once(as_user, patient):
    announced = []

    def receiver(flag, **_):
        announced.append(flag.kind)

    flag_raised.connect(receiver)
    try:
        client = as_user(patient)
        body = {"id": str(uuid.uuid4()), "completed_at": utcnow().isoformat()}
        answer(client, ITEM_9, **body)
        answer(client, ITEM_9, **body)
    finally:
        flag_raised.disconnect(receiver)
    assert announced == ["phq9_item9"]


def test_listing_flags_takes_fixed_statements(as_user, clinic, therapist, count_statements):
    client = as_user(therapist)
    first = factories.user(clinic, "patient", therapist=therapist)
    factories.flag(first)
    with count_statements() as few:
        assert len(open_flags(client)) == 1
    for _ in range(12):
        someone = factories.user(clinic, "patient", therapist=therapist)
        factories.flag(someone, "phq9_item9")
        response = factories.measure_response(someone, shared=True)
        factories.flag(someone, source_type="measure_response", source_id=response.id)
    with count_statements() as many:
        assert len(open_flags(client)) == 25
    assert len(many) == len(few)


def test_the_navigation_summary_counts_what_the_list_shows_and_nothing_private(
    as_user, clinic, therapist, patient
):
    summary = f"{FLAGS}/summary"
    client = as_user(patient)
    answer(client, ITEM_9, shared=False)  # urgent, seen even from a private response
    answer(client, SEVERE_NO_ITEM_9, shared=False)  # private: raises nothing
    shared = answer(client, SEVERE_NO_ITEM_9).get_json()
    staff = as_user(therapist)
    assert staff.get(summary).get_json() == {"open": 2, "urgent": 1}
    assert len(open_flags(staff)) == 2
    # Unsharing the severe response hides its flag from the count at once.
    url = f"/api/v1/measures/responses/{shared['id']}"
    assert client.patch(url, json={"version": 1, "shared": False}).status_code == 200
    assert staff.get(summary).get_json() == {"open": 1, "urgent": 1}
    (urgent,) = open_flags(staff)
    assert staff.post(f"{FLAGS}/{urgent['id']}/acknowledge", json=ACK).status_code == 200
    assert staff.get(summary).get_json() == {"open": 0, "urgent": 0}
    # Another therapist of the clinic is not on this care team.
    factories.flag(patient, "phq9_item9")
    colleague = as_user(factories.user(clinic, "therapist"))
    assert colleague.get(summary).get_json() == {"open": 0, "urgent": 0}
    assert staff.get(summary).get_json() == {"open": 1, "urgent": 1}
