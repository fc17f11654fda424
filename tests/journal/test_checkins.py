"""A patient's check-ins: create, list, read, edit, delete, idempotently."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server.audit.models import AuditEvent
from server.db import utcnow
from server.extensions import db
from server.journal.models import EMOTIONS, FEELINGS, CheckIn
from server.signals import item_created
from tests import factories
from tests.journal.conftest import NEW_YORK, checkin_body, local_now

URL = "/api/v1/checkins"


def test_mood_alone_is_a_check_in(patient_client):
    body = checkin_body(mood=3)
    response = patient_client.post(URL, json=body)
    assert response.status_code == 201
    stored = response.get_json()
    assert stored == {
        "id": body["id"],
        "recorded_at": body["recorded_at"],
        "mood": 3,
        "anxiety": None,
        "energy": None,
        "sleep_quality": None,
        "emotions": [],
        "tags": [],
        "note": None,
        "shared": True,
        "discuss_next_session": False,
        "unsafe": False,
        "version": 1,
    }
    assert response.headers["Cache-Control"] == "no-store"
    assert patient_client.get(f"{URL}/{body['id']}").get_json() == stored


def test_a_full_check_in_comes_back_with_the_devices_offset(patient_client):
    lisbon_evening = (utcnow() - timedelta(days=2)).astimezone(NEW_YORK).replace(microsecond=0)
    body = checkin_body(
        recorded_at=lisbon_evening.isoformat(),
        mood=7,
        anxiety=2,
        energy=5,
        sleep_quality=8,
        emotions=["grateful", "tender"],
        note="Walked by the river after the session.",
        shared=False,
        discuss_next_session=True,
    )
    created = patient_client.post(URL, json=body).get_json()
    assert created["recorded_at"].endswith("-05:00")
    assert created["recorded_at"] == body["recorded_at"]
    assert created["emotions"] == ["grateful", "tender"]
    assert created["note"] == "Walked by the river after the session."
    assert created["shared"] is False and created["discuss_next_session"] is True


def test_written_offline_yesterday_is_accepted(patient_client):
    yesterday = (local_now() - timedelta(days=1)).isoformat()
    assert patient_client.post(URL, json=checkin_body(recorded_at=yesterday)).status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mood": 11}, "mood"),
        ({"mood": -1}, "mood"),
        ({"mood": 5.5}, "mood"),
        ({"mood": "5"}, "mood"),
        ({"mood": None}, "mood"),
        ({"anxiety": 12}, "anxiety"),
        ({"sleep_quality": True}, "sleep_quality"),
        ({"emotions": ["calm", "exuberant"]}, "emotions.1"),
        ({"emotions": ["calm", "calm"]}, "emotions"),
        ({"recorded_at": (local_now() + timedelta(days=1)).isoformat()}, "recorded_at"),
        ({"recorded_at": local_now().replace(tzinfo=None).isoformat()}, "recorded_at"),
        ({"recorded_at": "yesterday evening"}, "recorded_at"),
        ({"note": "x" * 4001}, "note"),
        ({"colour": "blue"}, "colour"),
        ({"id": "not-a-uuid"}, "id"),
    ],
)
def test_bad_check_ins_name_the_field_and_store_nothing(patient_client, change, field):
    body = checkin_body(note="I feel hopeless tonight")
    body.update(change)
    response = patient_client.post(URL, json=body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    assert "hopeless" not in response.get_data(as_text=True)
    assert db.session.scalar(select(CheckIn)) is None


def test_mood_is_required(patient_client):
    body = checkin_body()
    del body["mood"]
    response = patient_client.post(URL, json=body)
    assert response.status_code == 422 and "mood" in response.get_json()["errors"]


def test_a_few_minutes_of_clock_skew_are_tolerated(patient_client):
    ahead = (local_now() + timedelta(seconds=60)).isoformat()
    assert patient_client.post(URL, json=checkin_body(recorded_at=ahead)).status_code == 201


def test_every_emotion_word_is_accepted(patient_client):
    response = patient_client.post(URL, json=checkin_body(emotions=list(EMOTIONS)))
    assert response.status_code == 201
    assert response.get_json()["emotions"] == list(EMOTIONS)
    # Four groups of words by energy and pleasantness, each with room to choose,
    # and the words people use after ketamine.
    assert len(FEELINGS) == 4 and all(len(words) >= 6 for words in FEELINGS.values())
    assert {"floaty", "disconnected", "tender", "open", "raw", "clear"} <= set(EMOTIONS)
    assert len(set(EMOTIONS)) == len(EMOTIONS)


def test_my_own_tags_are_kept_encrypted_and_offered_again(patient_client, patient):
    from sqlalchemy import select

    from server.extensions import db
    from server.journal.models import CheckIn

    earlier = (local_now() - timedelta(hours=1)).isoformat()
    first = patient_client.post(
        URL, json=checkin_body(recorded_at=earlier, tags=["  dog   walk ", "Mum"])
    )
    assert first.status_code == 201
    assert first.get_json()["tags"] == ["dog walk", "Mum"]
    stored = db.session.scalars(select(CheckIn.tags_ciphertext)).one()
    assert b"dog walk" not in stored and b"Mum" not in stored
    patient_client.post(URL, json=checkin_body(tags=["garden", "mum"]))
    # Most recently used first; "mum" and "Mum" are one tag.
    assert patient_client.get(URL + "/tags").get_json()["items"] == ["garden", "mum", "dog walk"]


def test_tags_out_of_bounds_are_a_422_naming_the_field(patient_client):
    for tags in ([""], ["x" * 41], ["a", "A"], [str(n) for n in range(11)], "walk"):
        refused = patient_client.post(URL, json=checkin_body(tags=tags))
        assert refused.status_code == 422, tags
        assert {key.split(".")[0] for key in refused.get_json()["errors"]} == {"tags"}


# --- idempotency -----------------------------------------------------------------


def test_a_replayed_check_in_returns_the_stored_one(patient_client):
    body = checkin_body(note="first", emotions=["calm"])
    first = patient_client.post(URL, json=body)
    again = patient_client.post(URL, json=body)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json() == first.get_json()
    assert len(patient_client.get(URL).get_json()["items"]) == 1


def test_a_replay_omitting_shared_still_matches_after_the_default_changed(patient_client, patient):
    body = checkin_body()
    patient_client.post(URL, json=body)
    patient_client.patch("/api/v1/me/settings", json={"share_by_default": False})
    assert patient_client.post(URL, json=body).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"mood": 2},
        {"note": "something else"},
        {"emotions": ["sad"]},
        {"shared": False},
        {"anxiety": 4},
        {"recorded_at": (local_now() - timedelta(hours=1)).isoformat()},
    ],
)
def test_the_same_id_with_other_content_is_a_conflict(patient_client, change):
    body = checkin_body(note="first", emotions=["calm"], shared=True)
    patient_client.post(URL, json=body)
    response = patient_client.post(URL, json={**body, **change})
    assert response.status_code == 409 and "id" in response.get_json()["errors"]
    stored = patient_client.get(f"{URL}/{body['id']}").get_json()
    assert stored["mood"] == 6 and stored["note"] == "first" and stored["version"] == 1


def test_the_same_instant_with_another_offset_is_a_conflict(patient_client):
    body = checkin_body()
    patient_client.post(URL, json=body)
    in_utc = datetime.fromisoformat(body["recorded_at"]).astimezone(UTC).isoformat()
    assert patient_client.post(URL, json={**body, "recorded_at": in_utc}).status_code == 409


def test_another_patients_id_is_a_conflict_and_reveals_nothing(
    patient_client, as_user, other_patient
):
    body = checkin_body(note="mine")
    patient_client.post(URL, json=body)
    response = as_user(other_patient).post(URL, json=body)
    assert response.status_code == 409
    assert "mine" not in response.get_data(as_text=True)


def test_a_deleted_check_in_is_gone_for_good(patient_client):
    body = checkin_body(note="let this go")
    patient_client.post(URL, json=body)
    assert patient_client.delete(f"{URL}/{body['id']}").status_code == 204
    assert patient_client.get(f"{URL}/{body['id']}").status_code == 410
    # The outbox replays the create later: it must not come back.
    assert patient_client.post(URL, json=body).status_code == 410
    assert patient_client.patch(f"{URL}/{body['id']}", json={"version": 1}).status_code == 410
    # Replaying the delete is harmless.
    assert patient_client.delete(f"{URL}/{body['id']}").status_code == 204
    assert patient_client.get(URL).get_json()["items"] == []
    assert db.session.get(CheckIn, uuid.UUID(body["id"])) is None


def test_a_new_check_in_is_announced_once(patient_client):
    seen = []

    def receiver(item, **_):
        seen.append(item.id)

    item_created.connect(receiver)
    try:
        body = checkin_body()
        patient_client.post(URL, json=body)
        patient_client.post(URL, json=body)
    finally:
        item_created.disconnect(receiver)
    assert seen == [uuid.UUID(body["id"])]


# --- sharing -----------------------------------------------------------------------


def test_share_by_default_decides_when_shared_is_left_out(as_user, clinic, therapist):
    private_person = factories.user(clinic, "patient", therapist=therapist, share_by_default=False)
    client = as_user(private_person)
    assert client.post(URL, json=checkin_body()).get_json()["shared"] is False
    assert client.post(URL, json=checkin_body(shared=True)).get_json()["shared"] is True


def test_sharing_changes_are_audited_without_content(patient_client, patient):
    body = checkin_body(note="a private thought", shared=True)
    patient_client.post(URL, json=body)
    unshared = patient_client.patch(f"{URL}/{body['id']}", json={"version": 1, "shared": False})
    assert unshared.status_code == 200 and unshared.get_json()["shared"] is False
    events = sharing_events()
    assert [(e.patient_id, e.object_type, e.object_id) for e in events] == [
        (patient.id, "checkin", uuid.UUID(body["id"]))
    ]
    # An edit that leaves sharing alone writes no sharing event.
    patient_client.patch(f"{URL}/{body['id']}", json={"version": 2, "mood": 4})
    assert len(sharing_events()) == 1


def sharing_events():
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "sharing_changed")
    ).all()


# --- edits and versions ------------------------------------------------------------


def test_an_edit_bumps_the_version_and_a_stale_one_is_refused(patient_client):
    body = checkin_body(note="before")
    patient_client.post(URL, json=body)
    item = f"{URL}/{body['id']}"
    edited = patient_client.patch(
        item, json={"version": 1, "mood": 2, "note": "after", "emotions": ["tired"]}
    )
    assert edited.status_code == 200
    assert edited.get_json()["version"] == 2 and edited.get_json()["note"] == "after"
    stale = patient_client.patch(item, json={"version": 1, "mood": 9})
    assert stale.status_code == 409 and "version" in stale.get_json()["errors"]
    assert patient_client.get(item).get_json()["mood"] == 2


def test_an_edit_without_a_version_is_refused(patient_client):
    body = checkin_body()
    patient_client.post(URL, json=body)
    response = patient_client.patch(f"{URL}/{body['id']}", json={"mood": 2})
    assert response.status_code == 422 and "version" in response.get_json()["errors"]


def test_an_edit_that_changes_nothing_keeps_the_version(patient_client):
    body = checkin_body(note="same")
    patient_client.post(URL, json=body)
    same = patient_client.patch(f"{URL}/{body['id']}", json={"version": 1, "note": "same"})
    assert same.get_json()["version"] == 1


def test_clearing_optional_fields(patient_client):
    body = checkin_body(anxiety=5, note="remove me")
    patient_client.post(URL, json=body)
    edited = patient_client.patch(
        f"{URL}/{body['id']}", json={"version": 1, "anxiety": None, "note": None}
    )
    assert edited.get_json()["anxiety"] is None and edited.get_json()["note"] is None


def test_bad_edits_name_the_field(patient_client):
    body = checkin_body()
    patient_client.post(URL, json=body)
    in_two_days = (local_now() + timedelta(days=2)).isoformat()
    response = patient_client.patch(
        f"{URL}/{body['id']}",
        json={"version": 1, "mood": 11, "recorded_at": in_two_days},
    )
    assert response.status_code == 422
    assert {"mood", "recorded_at"} <= set(response.get_json()["errors"])


# --- who may see what ----------------------------------------------------------------


def test_another_patients_check_in_is_not_found(patient_client, as_user, other_patient):
    theirs = factories.checkin(other_patient, note="theirs").id
    for method in ("get", "delete"):
        assert getattr(patient_client, method)(f"{URL}/{theirs}").status_code == 404
    assert patient_client.patch(f"{URL}/{theirs}", json={"version": 1}).status_code == 404
    assert patient_client.get(URL).get_json()["items"] == []
    assert db.session.get(CheckIn, theirs) is not None


def test_an_unknown_id_is_404(patient_client):
    assert patient_client.get(f"{URL}/{uuid.uuid4()}").status_code == 404
    assert patient_client.get(f"{URL}/not-a-uuid").status_code == 404


def test_a_replay_of_a_check_in_made_elsewhere_is_recognised(patient_client, patient):
    """The stored row may come from another device, another process, or a test's factory."""
    made = factories.checkin(patient, mood=6, shared=True, note="from the phone")
    body = checkin_body(
        id=str(made.id),
        recorded_at=made.recorded_at_local.isoformat(),
        mood=6,
        shared=True,
        note="from the phone",
    )
    assert patient_client.post(URL, json=body).status_code == 200
    assert patient_client.post(URL, json={**body, "mood": 1}).status_code == 409


def test_a_check_in_whose_commit_never_landed_is_stored_when_sent_again(patient):
    """A database restart cut the first commit off: the session rolled back, and the
    check-in it still remembers is no proof of a stored row. The outbox sends the
    same request again; it is stored once, not answered with a 500."""
    from server.journal import services
    from server.journal.schemas import CheckInCreateSchema

    data = CheckInCreateSchema().load(checkin_body(mood=4))
    _, created = services.create_checkin(patient, data)
    assert created
    db.session.rollback()  # what a failed COMMIT leaves behind

    _, created = services.create_checkin(patient, dict(data))
    assert created
    db.session.commit()
    stored = db.session.scalars(select(CheckIn).where(CheckIn.patient_id == patient.id)).all()
    assert [(row.id, row.mood) for row in stored] == [(data["id"], 4)]
