"""The intention loop: written before a dose, written back to after it, seen when shared."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.companion.models import Intention
from server.extensions import db
from tests import factories


def at(days: float) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


def _intention(client, session, body="To meet my grief with less fear", **extra):
    payload = {"id": str(uuid.uuid4()), "ketamine_session_id": str(session.id), "body": body}
    payload |= extra
    return client.post("/api/v1/intentions", json=payload), payload


def test_an_intention_is_stored_encrypted_and_a_replay_returns_it(as_user, patient):
    session = factories.ketamine_session(patient, scheduled_at=at(2))
    client = as_user(patient)
    first, payload = _intention(client, session)
    again = client.post("/api/v1/intentions", json=payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["body"] == "To meet my grief with less fear"
    stored = db.session.scalar(select(Intention.body_ciphertext))
    assert b"grief" not in stored
    other = client.post("/api/v1/intentions", json=payload | {"body": "Something else"})
    assert other.status_code == 409 and "id" in other.get_json()["errors"]
    second, _ = _intention(client, session, body="A second one")
    assert second.status_code == 409
    assert "ketamine_session_id" in second.get_json()["errors"]


def test_an_intention_is_edited_with_its_version(as_user, patient):
    session = factories.ketamine_session(patient, scheduled_at=at(2))
    client = as_user(patient)
    created = _intention(client, session)[0].get_json()
    path = f"/api/v1/intentions/{created['id']}"
    changed = client.patch(path, json={"version": created["version"], "body": "To rest"})
    assert changed.status_code == 200 and changed.get_json()["body"] == "To rest"
    stale = client.patch(path, json={"version": created["version"], "body": "Lost"})
    assert stale.status_code == 409
    assert client.get("/api/v1/intentions").get_json()["items"][0]["body"] == "To rest"


def test_too_long_or_empty_intentions_are_refused(as_user, patient):
    session = factories.ketamine_session(patient, scheduled_at=at(2))
    client = as_user(patient)
    assert _intention(client, session, body="")[0].status_code == 422
    long = _intention(client, session, body="x" * 601)[0]
    assert long.status_code == 422 and "body" in long.get_json()["errors"]


def test_reflections_link_to_the_intention_and_reach_the_brief_view_when_shared(
    as_user, patient, therapist
):
    dose = factories.ketamine_session(patient, scheduled_at=at(-1))
    client = as_user(patient)
    intention = _intention(client, dose, shared=True)[0].get_json()
    for body, shared in (("It did, as tears", True), ("Only for me", False)):
        response = client.post(
            "/api/v1/intention-reflections",
            json={
                "id": str(uuid.uuid4()),
                "intention_id": intention["id"],
                "body": body,
                "shared": shared,
            },
        )
        assert response.status_code == 201
    mine = client.get("/api/v1/intentions").get_json()["items"][0]
    assert [r["body"] for r in mine["reflections"]] == ["It did, as tears", "Only for me"]

    view = as_user(therapist).get(f"/api/v1/patients/{patient.id}/companion").get_json()
    [dose_view] = view["doses"]
    assert dose_view["intention"]["body"] == "To meet my grief with less fear"
    assert [r["body"] for r in dose_view["reflections"]] == ["It did, as tears"]


def test_a_private_intention_is_invisible_to_the_care_team(as_user, patient, therapist):
    dose = factories.ketamine_session(patient, scheduled_at=at(-1))
    client = as_user(patient)
    intention = _intention(client, dose, shared=False)[0].get_json()
    client.post(
        "/api/v1/intention-reflections",
        json={"id": str(uuid.uuid4()), "intention_id": intention["id"], "body": "Shared?"}
        | {"shared": True},
    )
    view = as_user(therapist).get(f"/api/v1/patients/{patient.id}/companion").get_json()
    assert view["doses"][0]["intention"] is None
    assert view["doses"][0]["reflections"] == []
    assert "Shared?" not in str(view)


def test_a_reflection_on_someone_elses_intention_is_refused(as_user, clinic, therapist, patient):
    other = factories.user(clinic, "patient", therapist=therapist)
    dose = factories.ketamine_session(other, scheduled_at=at(-1))
    theirs = _intention(as_user(other), dose)[0].get_json()
    response = as_user(patient).post(
        "/api/v1/intention-reflections",
        json={"id": str(uuid.uuid4()), "intention_id": theirs["id"], "body": "Mine"},
    )
    assert response.status_code == 422 and "intention_id" in response.get_json()["errors"]
    patched = as_user(patient).patch(
        f"/api/v1/intentions/{theirs['id']}", json={"version": 1, "body": "x"}
    )
    assert patched.status_code == 404


def test_a_reflection_made_private_later_leaves_the_care_teams_view(
    as_user, clinic, patient, therapist
):
    from server.audit.models import AuditEvent

    dose = factories.ketamine_session(patient, scheduled_at=at(-1))
    client = as_user(patient)
    intention = _intention(client, dose, shared=True)[0].get_json()
    reflection = client.post(
        "/api/v1/intention-reflections",
        json={"id": str(uuid.uuid4()), "intention_id": intention["id"], "body": "It did"}
        | {"shared": True},
    ).get_json()
    view = f"/api/v1/patients/{patient.id}/companion"
    [dose_view] = as_user(therapist).get(view).get_json()["doses"]
    assert [r["body"] for r in dose_view["reflections"]] == ["It did"]

    path = f"/api/v1/intention-reflections/{reflection['id']}"
    changed = client.patch(path, json={"version": reflection["version"], "shared": False})
    assert changed.status_code == 200
    assert (changed.get_json()["shared"], changed.get_json()["body"]) == (False, "It did")
    [dose_view] = as_user(therapist).get(view).get_json()["doses"]
    assert dose_view["reflections"] == []
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "sharing_changed")
    ).all()
    assert [(e.object_type, e.object_id) for e in events] == [
        ("intention_reflection", uuid.UUID(reflection["id"]))
    ]

    # A stale version, a missing answer and someone else's reflection change nothing.
    stale = client.patch(path, json={"version": reflection["version"], "shared": True})
    assert stale.status_code == 409
    missing = client.patch(path, json={"version": changed.get_json()["version"]})
    assert missing.status_code == 422 and "shared" in missing.get_json()["errors"]
    other = as_user(factories.user(clinic, "patient", therapist=therapist))
    theirs = other.patch(path, json={"version": changed.get_json()["version"], "shared": True})
    assert theirs.status_code == 404
    [mine] = client.get("/api/v1/intentions").get_json()["items"]
    assert [r["shared"] for r in mine["reflections"]] == [False]
