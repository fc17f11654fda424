"""A patient leaving does not make a flag vanish: the notice in `GET /flags`."""

import json
import uuid
from datetime import timedelta

from sqlalchemy import select

from server.db import utcnow
from server.extensions import db
from server.flags import notices
from server.flags.models import DeletionNotice
from tests import factories

FLAGS = "/api/v1/flags"
HEALTH_TEXT = "NOTICE-CANARY my hands shook all evening"


def delete_account(as_user, patient):
    answer = as_user(patient).delete("/api/v1/me", json={"password": factories.PASSWORD})
    assert answer.status_code in (200, 204), answer.get_json()


def test_therapists_are_told_what_was_open_and_booked_without_health_data(
    as_user, clinic, therapist
):
    patient = factories.user(
        clinic, "patient", therapist=therapist, display_name="Robin Ames", share_by_default=True
    )
    response = factories.measure_response(patient, answers=[3] * 8 + [2], shared=True)
    private = factories.checkin(patient, note=HEALTH_TEXT, shared=False, mood=1)
    factories.flag(patient, "phq9_item9", source_type="measure_response", source_id=response.id)
    factories.flag(patient, "phq9_severe", source_type="measure_response", source_id=response.id)
    # A flag from a private check-in was never shown, so it is not counted either.
    factories.flag(patient, "mood_drop", source_type="checkin", source_id=private.id)
    factories.flag(patient, "mood_drop", acknowledged_at=utcnow())  # not open
    dose_at = (utcnow() + timedelta(days=5)).replace(microsecond=0)
    factories.ketamine_session(patient, created_by=therapist, scheduled_at=dose_at)
    factories.integration_session(patient, therapist, scheduled_at=dose_at + timedelta(days=1))
    factories.ketamine_session(patient, created_by=therapist, status="cancelled")
    delete_account(as_user, patient)

    page = as_user(therapist).get(FLAGS).get_json()
    assert page["items"] == []  # the flags went with the account
    (notice,) = page["notices"]
    assert notice["patient_display_name"] == "Robin Ames" and notice["account_deleted"] is True
    assert sorted((f["kind"], f["count"]) for f in notice["open_flags"]) == [
        ("phq9_item9", 1),
        ("phq9_severe", 1),
    ]
    assert [s["kind"] for s in notice["sessions"]] == ["dosing_session", "integration_session"]
    text = json.dumps(notice)
    for health in (HEALTH_TEXT, str(response.id), str(patient.id), "answers", "total"):
        assert health not in text
    stored = db.session.scalar(select(DeletionNotice))
    assert b"Robin Ames" not in stored.patient_name_ciphertext  # encrypted at rest


def test_no_notice_for_a_patient_with_nothing_open_or_booked(as_user, therapist, patient):
    factories.flag(patient, "phq9_severe", acknowledged_at=utcnow())
    delete_account(as_user, patient)
    assert as_user(therapist).get(FLAGS).get_json()["notices"] == []


def test_only_the_care_team_sees_the_notice_and_only_for_30_days(as_user, clinic, therapist):
    patient = factories.user(clinic, "patient", therapist=therapist)
    colleague = factories.user(clinic, "therapist")
    factories.flag(patient, "phq9_item9")
    delete_account(as_user, patient)
    assert as_user(colleague).get(FLAGS).get_json()["notices"] == []
    (notice,) = as_user(therapist).get(FLAGS).get_json()["notices"]
    deleted_at = db.session.get(DeletionNotice, uuid.UUID(notice["id"])).deleted_at
    later = deleted_at + timedelta(days=30, seconds=1)
    assert notices.notices_for(therapist, later) == []
    assert notices.sweep(deleted_at + timedelta(days=29)) == 0
    assert notices.sweep(later) == 1
    assert as_user(therapist).get(FLAGS).get_json()["notices"] == []
