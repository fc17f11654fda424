"""A patient with something in every table, built the way the apps build it.

Most rows come through the API (the patient's phone, the therapist's
browser), so the export and the deletion are tested against what the
features really store, signals and side effects included.
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import Uuid, func, select

from server.auth.models import RecoveryCode, User
from server.db import utcnow
from server.extensions import db
from server.flags.models import Flag
from tests import factories
from tests.companion.helpers import CALM as AFTER_DOSE_ANSWERS

PASSWORD = "a long enough passphrase for a patient"


@dataclass
class World:
    """One patient's account and what they (and their care team) stored."""

    patient: User
    client: object  # the patient's signed-in browser
    token: str  # a bearer token of theirs (a phone app)
    texts: list[str] = field(default_factory=list)  # everything they wrote
    ids: set[uuid.UUID] = field(default_factory=set)  # every item of theirs
    checkin_ids: list[uuid.UUID] = field(default_factory=list)
    entry_ids: list[uuid.UUID] = field(default_factory=list)
    response_ids: list[uuid.UUID] = field(default_factory=list)
    companion_texts: list[str] = field(default_factory=list)  # intentions, write-backs, plan


def _ok(response, status=(200, 201, 204)):
    assert response.status_code in status, (response.status_code, response.get_json())
    return response.get_json(silent=True)


def join_by_invitation(app, therapist_client, name: str) -> tuple[User, object]:
    """A patient invited by the therapist, who accepts and is signed in (as in the PWA)."""
    email = f"{name}-{uuid.uuid4().hex[:8]}@patients.test"
    invite = _ok(
        therapist_client.post(
            "/api/v1/invites", json={"email": email, "role": "patient", "display_name": name}
        )
    )
    browser = app.test_client()
    browser.environ_base["HTTP_ORIGIN"] = "http://localhost"
    me = _ok(
        browser.post(
            f"/api/v1/invites/{invite['token']}/accept",
            json={"password": PASSWORD, "time_zone": "America/New_York"},
        )
    )
    browser.environ_base["HTTP_X_CSRF_TOKEN"] = me["csrf_token"]
    return db.session.get(User, uuid.UUID(me["id"])), browser


def build_world(app, therapist, therapist_client, name: str, size: int = 1) -> World:
    """A patient who used every feature `size` times, and whose therapist did too."""
    patient, browser = join_by_invitation(app, therapist_client, name)
    world = World(patient=patient, client=browser, token="")
    pid = patient.id
    # They joined a while ago: what they wrote is dated back up to `size` hours,
    # and a time before the account existed is refused.
    patient.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    world.token = _ok(
        browser.post(
            "/api/v1/auth/tokens",
            json={"email": patient.email, "password": PASSWORD, "name": "phone"},
        )
    )["token"]
    factories.push_subscription(patient)
    db.session.add(RecoveryCode(id=uuid.uuid4(), user_id=pid, code_hash="0" * 64))
    db.session.commit()
    prompt = factories.prompt(
        therapist_clinic(therapist),
        text=f"What did {name} notice in the body?",
    )
    now = utcnow()
    for n in range(size):
        stamp = (now - timedelta(hours=n + 1)).isoformat()
        note = f"{name} checkin note {n} {uuid.uuid4().hex[:6]}"
        body = f"{name} journal body {n} {uuid.uuid4().hex[:6]}"
        checkin = _ok(
            browser.post(
                "/api/v1/checkins",
                json={
                    "id": str(uuid.uuid4()),
                    "recorded_at": stamp,
                    "mood": 5,
                    "note": note,
                    "emotions": ["calm"],
                },
            )
        )
        entry = _ok(
            browser.post(
                "/api/v1/entries",
                json={
                    "id": str(uuid.uuid4()),
                    "written_at": stamp,
                    "body": body,
                    "prompt_id": str(prompt.id),
                },
            )
        )
        # Item 9 above 0: an urgent flag, and a push to the therapist's device.
        phq9 = _ok(
            browser.post(
                "/api/v1/measures/phq9/responses",
                json={"id": str(uuid.uuid4()), "answers": [2] * 8 + [1], "completed_at": stamp},
            )
        )
        gad7 = _ok(
            browser.post(
                "/api/v1/measures/gad7/responses",
                json={"id": str(uuid.uuid4()), "answers": [2] * 7, "completed_at": stamp},
            )
        )
        dosing = _ok(
            therapist_client.post(
                f"/api/v1/patients/{pid}/ketamine-sessions",
                json={
                    "scheduled_at": (now + timedelta(days=3 + n)).isoformat(),
                    "route": "im",
                    "dose_mg": 50,
                },
            )
        )
        integration = _ok(
            therapist_client.post(
                f"/api/v1/patients/{pid}/integration-sessions",
                # Half a day after the next dose: clear of every dose's observation time.
                json={"scheduled_at": (now + timedelta(days=4 + n, hours=12)).isoformat()},
            )
        )
        assignments = _ok(
            therapist_client.post(
                f"/api/v1/patients/{pid}/prompt-assignments",
                json={
                    "prompt_ids": [str(prompt.id)],
                    "ketamine_session_id": dosing["id"],
                    "offset_hours": 24,
                },
            )
        )
        intention = _ok(
            browser.post(
                "/api/v1/intentions",
                json={
                    "id": str(uuid.uuid4()),
                    "ketamine_session_id": dosing["id"],
                    "body": f"{name} intention {n}",
                },
            )
        )
        reflection = _ok(
            browser.post(
                "/api/v1/intention-reflections",
                json={
                    "id": str(uuid.uuid4()),
                    "intention_id": intention["id"],
                    "body": f"{name} wrote back {n}",
                },
            )
        )
        check = _ok(
            browser.post(
                "/api/v1/after-dose-checks",
                json={
                    "id": str(uuid.uuid4()),
                    "ketamine_session_id": dosing["id"],
                    "answered_at": (now + timedelta(days=4 + n)).isoformat(),
                    "answers": AFTER_DOSE_ANSWERS,
                },
            )
        )
        _ok(
            browser.put(
                f"/api/v1/ketamine-sessions/{dosing['id']}/checklist",
                json={"item": "ride-home", "done": True},
            )
        )
        world.companion_texts += [intention["body"], reflection["body"]]
        world.ids |= {uuid.UUID(x["id"]) for x in (intention, reflection, check)}
        world.texts += [note, body]
        world.checkin_ids.append(uuid.UUID(checkin["id"]))
        world.entry_ids.append(uuid.UUID(entry["id"]))
        world.response_ids += [uuid.UUID(phq9["id"]), uuid.UUID(gad7["id"])]
        world.ids |= {uuid.UUID(x["id"]) for x in (checkin, entry, phq9, gad7, dosing, integration)}
        world.ids |= {uuid.UUID(a["id"]) for a in assignments["items"]}
    plan_line = f"{name} calls a friend"
    _ok(
        browser.put(
            "/api/v1/me/safety-plan",
            json={"sections": {"people_to_ask": [plan_line]}, "shared": False, "version": 0},
        )
    )
    world.companion_texts.append(plan_line)
    # A deleted check-in leaves a tombstone.
    gone = _ok(
        browser.post(
            "/api/v1/checkins",
            json={"id": str(uuid.uuid4()), "recorded_at": now.isoformat(), "mood": 2},
        )
    )
    _ok(browser.delete(f"/api/v1/checkins/{gone['id']}"))
    world.ids.add(uuid.UUID(gone["id"]))
    _ok(therapist_client.patch(f"/api/v1/patients/{pid}/measure-plan", json={"pcl5": True}))
    # The therapist reads the patient's schedule: an audit event about them.
    _ok(therapist_client.get(f"/api/v1/patients/{pid}/ketamine-sessions"))
    mark_read(app, therapist_client, world)
    # Flags are raised by the server, not posted: their ids come from the table.
    world.ids |= set(db.session.scalars(select(Flag.id).where(Flag.patient_id == pid)))
    return world


def therapist_clinic(therapist):
    from server.clinics.models import Clinic

    return db.session.get(Clinic, therapist.clinic_id)


def mark_read(app, therapist_client, world: World) -> None:
    """The therapist marks the patient's entries read, where that route exists yet."""
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    if "/api/v1/entries/<uuid:entry_id>/read" not in rules:
        return
    for entry_id in world.entry_ids:
        _ok(therapist_client.post(f"/api/v1/entries/{entry_id}/read"))


def uuid_columns():
    """(table, column) for every UUID column of every table, the audit log aside."""
    for table in db.metadata.sorted_tables:
        if table.name == "audit_events":
            continue
        for column in table.columns:
            if isinstance(column.type, Uuid):
                yield table, column


def rows_naming(ids) -> dict[str, int]:
    """How many rows, per table.column, hold any of `ids`."""
    ids = list(ids)
    found = {}
    for table, column in uuid_columns():
        count = db.session.scalar(select(func.count()).select_from(table).where(column.in_(ids)))
        if count:
            found[f"{table.name}.{column.name}"] = count
    return found


@pytest.fixture
def therapist_client(as_user, therapist):
    return as_user(therapist)


@pytest.fixture
def world(app, therapist, therapist_client):
    # The therapist has a phone too, so urgent flags queue pushes to it.
    factories.push_subscription(therapist)
    return build_world(app, therapist, therapist_client, "Robin")


@pytest.fixture
def other_world(app, therapist, therapist_client, world):
    return build_world(app, therapist, therapist_client, "Sasha")
