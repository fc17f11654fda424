"""GET /me/export: a patient downloads everything Between holds about them."""

import json
import uuid
from datetime import timedelta

from server.audit.models import AuditEvent
from server.db import utcnow
from server.extensions import db
from server.privacy import queries
from tests import factories
from tests.privacy.conftest import build_world

EXPORT = "/api/v1/me/export"


def _download(client, query=""):
    response = client.get(EXPORT + query)
    assert response.status_code == 200, response.get_json()
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Content-Disposition"].endswith('.json"')
    assert response.headers["Cache-Control"] == "no-store"
    return response


def test_the_export_holds_everything_i_wrote_decrypted(world, therapist):
    response = _download(world.client)
    assert response.mimetype == "application/json"
    data = response.get_json()
    patient = world.patient

    assert data["format"] == "between-export"
    assert data["profile"]["id"] == str(patient.id)
    assert data["profile"]["email"] == patient.email
    assert data["settings"]["time_zone"] == "America/New_York"
    assert data["settings"]["share_by_default"] is True
    assert [m["display_name"] for m in data["care_team"]] == [therapist.display_name]
    assert data["measure_plan"] == {"phq9": True, "gad7": True, "pcl5": True}

    # What I wrote comes back as I wrote it, not as ciphertext.
    notes = [c["note"] for c in data["checkins"] if c["note"]]
    bodies = [e["body"] for e in data["entries"]]
    assert sorted(notes + bodies) == sorted(world.texts)
    (entry,) = data["entries"]
    assert entry["prompt_text"] == "What did Robin notice in the body?"
    assert {c["id"] for c in data["checkins"]} == {str(i) for i in world.checkin_ids}

    totals = {
        r["instrument"]: (r["answers"], r["total"], r["severity"])
        for r in data["measure_responses"]
    }
    assert totals == {
        "phq9": ([2] * 8 + [1], 17, "moderately severe"),
        "gad7": ([2] * 7, 14, "moderate"),
    }
    (dosing,) = data["ketamine_sessions"]
    assert (dosing["route"], dosing["dose_mg"], dosing["status"]) == ("im", 50.0, "scheduled")
    (integration,) = data["integration_sessions"]
    assert integration["therapist_name"] == therapist.display_name
    (assignment,) = data["prompt_assignments"]
    assert assignment["prompt_text"] == "What did Robin notice in the body?"
    assert assignment["ketamine_session_id"] == dosing["id"]
    assert "phq9_item9" in {f["kind"] for f in data["flags"]}
    assert len(data["deleted_items"]) == 1
    companion = data["companion"]
    kept = [i["body"] for i in companion["intentions"]]
    kept += [r["body"] for r in companion["intention_reflections"]]
    kept += data["safety_plan"]["sections"]["people_to_ask"]
    assert sorted(kept) == sorted(world.companion_texts)
    (check,) = companion["after_dose_checks"]
    assert check["ketamine_session_id"] == dosing["id"] and check["red"] is False
    assert [t["item_key"] for t in companion["checklist_ticks"]] == ["ride-home"]
    assert [t["name"] for t in data["api_tokens"]] == ["phone"]
    assert data["login_sessions"]


def test_devices_are_listed_without_their_keys_or_endpoint(world):
    from server.push.models import PushSubscription

    (device,) = db.session.query(PushSubscription).filter_by(user_id=world.patient.id).all()
    response = _download(world.client)
    (listed,) = response.get_json()["devices"]
    assert listed["id"] == str(device.id)
    assert listed["push_service"] == "https://push.example.test"
    text = response.get_data(as_text=True)
    for secret in (device.p256dh, device.auth, device.endpoint):
        assert secret not in text


def test_the_audit_trail_says_who_read_my_data_and_when(world, therapist):
    data = _download(world.client).get_json()
    trail = data["audit_trail"]
    reads = [e for e in trail if e["action"] == "schedule_read"]
    assert reads and reads[0]["actor_name"] == therapist.display_name
    assert reads[0]["actor_role"] == "therapist" and reads[0]["by_me"] is False
    # The therapist's address is theirs, not mine.
    assert all(e["ip_address"] is None for e in trail if not e["by_me"])
    # This very download is in it, and it was recorded for the clinic too.
    assert trail[-1]["action"] == "data_exported" and trail[-1]["by_me"] is True
    stored = db.session.query(AuditEvent).filter_by(
        action="data_exported", patient_id=world.patient.id
    )
    assert stored.count() == 1


def test_nothing_of_another_patient_is_in_my_export(world, other_world):
    text = _download(world.client).get_data(as_text=True)
    for secret in other_world.texts:
        assert secret not in text
    for item_id in other_world.ids | {other_world.patient.id}:
        assert str(item_id) not in text
    assert other_world.patient.email not in text
    # And the other patient's export holds none of mine.
    theirs = _download(other_world.client).get_data(as_text=True)
    assert all(secret not in theirs for secret in world.texts)
    assert str(world.patient.id) not in theirs


def test_the_export_costs_the_same_statements_with_more_data(
    app, therapist, therapist_client, count_statements
):
    small = build_world(app, therapist, therapist_client, "Ash", size=1)
    large = build_world(app, therapist, therapist_client, "Bo", size=3)
    counts = []
    for world in (small, large):
        with count_statements() as statements:
            _download(world.client)
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert len(_download(large.client).get_json()["checkins"]) == 3


def test_a_phone_app_downloads_with_its_bearer_token(world, app):
    phone = app.test_client()
    response = phone.get(EXPORT, headers={"Authorization": f"Bearer {world.token}"})
    assert response.status_code == 200
    assert response.get_json()["profile"]["id"] == str(world.patient.id)


def test_an_unknown_format_is_a_problem_naming_it(world):
    response = world.client.get(EXPORT + "?format=xml")
    assert response.status_code == 422
    assert "format" in response.get_json()["errors"]


def test_the_export_is_parseable_json_with_uuids(world):
    data = json.loads(_download(world.client).get_data(as_text=True))
    assert uuid.UUID(data["profile"]["id"]) == world.patient.id


def test_the_export_reads_my_items_oldest_first_shared_or_not(patient):
    first = factories.checkin(patient, recorded_at=utcnow() - timedelta(days=2), shared=False)
    second = factories.checkin(patient)
    entry = factories.entry(patient, shared=False)
    assert [c.id for c in queries.checkins(patient.id)] == [first.id, second.id]
    assert [e["entry"].id for e in queries.entries(patient.id)] == [entry.id]


def test_the_file_is_dated_on_the_patients_own_calendar(clock, as_user, clinic, therapist):
    from datetime import UTC, datetime

    # 22:30 on 18 March in New York is already the 19th in UTC.
    clock.now = datetime(2026, 3, 19, 2, 30, tzinfo=UTC)
    patient = factories.user(clinic, "patient", therapist=therapist)
    for query, kind in (("", "export"), ("?format=fhir", "fhir")):
        response = as_user(patient).get(EXPORT + query)
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
        assert disposition == f'attachment; filename="between-{kind}-2026-03-18.json"'
