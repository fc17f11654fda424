"""A believable patient for the read-side tests, in New York, around two dosing sessions.

Days count back from NOW in the patient's own days: `local(2, 21)` is 21:00
two days ago where the patient lives, with the offset a phone there sends.
The window (since the last integration session) starts 6 days ago at 15:00.

    day 20  dosing (completed)         day 18  integration (completed)
    day 14  check-in 2                  day 13  check-in 8
    day 10  entry (before the window)   day 8   check-in 6
    day 6   integration: the window starts here
    day 5   dosing 08:00; check-in 3 "to discuss", with a note
    day 4   GAD-7 8 "to discuss"; entry answering a prompt
    day 3   entry "to discuss"
    day 2   check-ins 4 and 6; PHQ-9 7; a cancelled integration session
    day 1   PRIVATE: check-in 2, entry, GAD-7 15 (with a flag of its own)
    day 0   check-in 7; a PRIVATE check-in 1 after it
    ahead   dosing in 6 days, integration in 4
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.extensions import db
from tests import factories

#: Noon in New York (EDT), a Sunday.
NOW = datetime(2025, 6, 15, 16, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")

PHQ9_16 = [2, 2, 2, 2, 2, 2, 2, 2, 0]
PHQ9_7 = [1, 1, 1, 1, 1, 1, 1, 0, 0]
GAD7_8 = [1, 1, 1, 1, 2, 2, 0]
GAD7_15 = [2, 2, 2, 2, 2, 2, 3]

PRIVATE_NOTE = "Nobody else should ever read this note."
PRIVATE_BODY = "This entry is only for me."


def local(days_ago: int, hour: int, minute: int = 0, now: datetime = NOW) -> datetime:
    today = now.astimezone(NEW_YORK).date()
    return datetime.combine(today - timedelta(days=days_ago), time(hour, minute), NEW_YORK)


@dataclass
class World:
    patient: object
    sessions: dict
    checkins: dict
    entries: dict
    responses: dict
    flags: dict
    prompt: object


def build(clinic, therapist, *, display_name: str = "Ana Reyes", now: datetime = NOW) -> World:
    """The patient above, on `therapist`'s care team, with every kind of item."""

    def at(days_ago, hour, minute=0):
        return local(days_ago, hour, minute, now)

    patient = factories.user(
        clinic, "patient", therapist=therapist, display_name=display_name, time_zone=NEW_YORK.key
    )
    sessions = {
        "k1": factories.ketamine_session(patient, scheduled_at=at(20, 10), status="completed"),
        "i1": factories.integration_session(
            patient, therapist, scheduled_at=at(18, 15), status="completed"
        ),
        "i2": factories.integration_session(
            patient, therapist, scheduled_at=at(6, 15), status="completed"
        ),
        "k2": factories.ketamine_session(
            patient, scheduled_at=at(5, 8), status="completed", dose_mg=35.0, route="im"
        ),
        "cancelled": factories.integration_session(
            patient, therapist, scheduled_at=at(2, 15), status="cancelled"
        ),
        "k3": factories.ketamine_session(patient, scheduled_at=now + timedelta(days=6)),
        "i3": factories.integration_session(
            patient, therapist, scheduled_at=now + timedelta(days=4)
        ),
    }
    checkins = {
        "d14": factories.checkin(patient, recorded_at=at(14, 9), mood=2, shared=True),
        "d13": factories.checkin(patient, recorded_at=at(13, 9), mood=8, shared=True),
        "d8": factories.checkin(patient, recorded_at=at(8, 9), mood=6, shared=True),
        "d5": factories.checkin(
            patient,
            recorded_at=at(5, 20),
            mood=3,
            anxiety=7,
            emotions=["overwhelmed", "tender"],
            note="The session stirred up a lot.",
            shared=True,
            discuss_next_session=True,
        ),
        "d2a": factories.checkin(patient, recorded_at=at(2, 8), mood=4, shared=True),
        "d2b": factories.checkin(patient, recorded_at=at(2, 21), mood=6, shared=True),
        "d1_private": factories.checkin(
            patient, recorded_at=at(1, 9), mood=2, note=PRIVATE_NOTE, shared=False
        ),
        "d0": factories.checkin(
            patient, recorded_at=at(0, 9), mood=7, emotions=["calm"], shared=True
        ),
        "d0_private": factories.checkin(patient, recorded_at=at(0, 11), mood=1, shared=False),
    }
    prompt = factories.prompt(clinic, "What stayed with you from the session?")
    entries = {
        "d10": factories.entry(patient, "Before the session I felt stuck.", written_at=at(10, 20)),
        "d4_prompt": factories.entry(
            patient,
            "The music, mostly, and a feeling of being held.",
            written_at=at(4, 21),
            prompt_id=prompt.id,
            ketamine_session_id=sessions["k2"].id,
        ),
        "d3_discuss": factories.entry(
            patient,
            "I want to talk about my father.",
            written_at=at(3, 20),
            discuss_next_session=True,
        ),
        "d1_private": factories.entry(patient, PRIVATE_BODY, written_at=at(1, 22), shared=False),
    }
    responses = {
        "baseline": factories.measure_response(patient, "phq9", PHQ9_16, completed_at=at(25, 10)),
        "d4_gad7": factories.measure_response(
            patient, "gad7", GAD7_8, completed_at=at(4, 9), discuss_next_session=True
        ),
        "d2_phq9": factories.measure_response(patient, "phq9", PHQ9_7, completed_at=at(2, 12)),
        "d1_private": factories.measure_response(
            patient, "gad7", GAD7_15, completed_at=at(1, 10), shared=False
        ),
    }
    flags = {
        "urgent": factories.flag(patient, "phq9_item9", raised_at=at(3, 10)),
        "severe": factories.flag(
            patient,
            "phq9_severe",
            raised_at=at(25, 10),
            source_type="measure_response",
            source_id=responses["baseline"].id,
        ),
        # Raised from the private response: never shown, never counted.
        "private": factories.flag(
            patient,
            "reliable_worsening",
            raised_at=at(1, 10),
            source_type="measure_response",
            source_id=responses["d1_private"].id,
        ),
        "acknowledged": factories.flag(
            patient, "mood_drop", raised_at=at(8, 9), acknowledged_at=at(7, 9)
        ),
    }
    db.session.commit()
    return World(patient, sessions, checkins, entries, responses, flags, prompt)


#: Shared items in the window (since day 6, 15:00): what starts out unread.
WINDOW_SHARED = (
    ("checkin", "d5"),
    ("checkin", "d2a"),
    ("checkin", "d2b"),
    ("checkin", "d0"),
    ("entry", "d4_prompt"),
    ("entry", "d3_discuss"),
    ("measure_response", "d4_gad7"),
    ("measure_response", "d2_phq9"),
)


def read_brief(client, patient) -> dict:
    """The brief of `patient` as `client` reads it (200, or the test fails)."""
    response = client.get(f"/api/v1/patients/{patient.id}/brief")
    assert response.status_code == 200, response.get_json()
    return response.get_json()
