"""Ninety days of believable treatment for each demo patient.

Written through the features' own schemas and services, so text is
encrypted, scores are computed and flags raised exactly as for real use.
Seeded randomness keeps the demo the same on every machine.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.auth.models import User
from server.care import services as care
from server.care.schemas import DosingSessionCreateSchema, IntegrationSessionCreateSchema
from server.journal import prompts as library
from server.journal import services as journal
from server.journal.schemas import CheckInCreateSchema, EntryCreateSchema
from server.measures import services as measures
from server.measures.schemas import ResponseCreateSchema

DAYS = 90


@dataclass(frozen=True)
class Course:
    """How one demo patient's treatment goes: mood from start to end, doses on days ago."""

    mood_start: float
    mood_end: float
    dose_days_ago: tuple[int, ...]
    upcoming_dose_in_days: int | None
    phq9_start: int
    phq9_end: int
    dip_days_ago: int | None = None
    recent_safety_answer: bool = False
    pcl5: bool = False


COURSES = {
    # Improves clearly: a PHQ-9 response and near remission.
    "alex@demo.between.test": Course(3.5, 7.5, (70, 49, 21), None, 18, 5),
    # Improves slowly, with a hard week after the second dose.
    "sam@demo.between.test": Course(4.0, 6.0, (63, 35), 4, 15, 10, dip_days_ago=30, pcl5=True),
    # Struggles; a recent PHQ-9 with a safety answer raises the urgent flag.
    "jordan@demo.between.test": Course(
        3.5, 3.8, (56, 28, 8), None, 19, 18, recent_safety_answer=True
    ),
}

EMOTIONS_GOOD = ["calm", "hopeful", "grateful", "connected", "curious", "tender", "joyful"]
EMOTIONS_HARD = ["tired", "anxious", "sad", "overwhelmed", "lonely", "numb", "irritable"]
NOTES_GOOD = [
    "Walked to the river before work. Noticed the light on the water.",
    "Called my sister. It was easier than I expected.",
    "Slept through the night for the first time in a while.",
    "Felt more patient with myself at work today.",
]
NOTES_HARD = [
    "Heavy morning. Hard to get started.",
    "The old thoughts came back in the evening, but they passed.",
    "Didn't sleep much. Everything felt loud.",
    "Skipped the walk. Stayed in bed longer than I wanted.",
]
ENTRY_BODIES = {
    "preparation": [
        "I want to go into the session open rather than braced. My intention is to meet "
        "whatever comes with curiosity instead of fighting it.",
        "I keep thinking about what I would say to my younger self. Maybe that is where to start.",
    ],
    "dosing_day": [
        "Still a bit floaty. There was a moment of feeling held, like being very small and safe. "
        "I want to remember that.",
        "Colours, then a long quiet. I saw my father's hands. Not sad exactly. Just there.",
    ],
    "early_integration": [
        "My body feels lighter today, especially my shoulders. I noticed I was not clenching my "
        "jaw on the drive.",
        "A lot of feeling came up this morning, mostly grief, but softer than before. I let it "
        "come and go.",
        "The insight that keeps coming back: I do not have to earn rest.",
    ],
    "integration": [
        "I told my partner about the session and what I saw. We talked for an hour. It felt "
        "like something opened between us.",
        "Small commitment for this week: ten minutes outside every morning, no phone.",
        "What matters most right now is showing up for the people I love, including myself.",
        "Noticed the urge to withdraw again on Thursday. Named it, and went to dinner anyway.",
    ],
}


def _phase_on(day: datetime, doses: list[datetime]) -> str:
    for dose in doses:
        if dose.date() == day.date():
            return "dosing_day"
        if timedelta(0) < day - dose <= timedelta(hours=72):
            return "early_integration"
        if timedelta(0) < dose - day <= timedelta(days=3):
            return "preparation"
    return "integration" if any(dose < day for dose in doses) else "preparation"


def _phq9_answers(total: int, rng: random.Random, item9: int = 0) -> list[int]:
    answers = [0] * 9
    answers[8] = item9
    remaining = max(0, total - item9)
    while remaining:
        index = rng.randrange(8)
        if answers[index] < 3:
            answers[index] += 1
            remaining -= 1
    return answers


def _spread(total: int, items: int, top: int, rng: random.Random) -> list[int]:
    answers = [0] * items
    for _ in range(min(total, items * top)):
        index = rng.randrange(items)
        while answers[index] >= top:
            index = (index + 1) % items
        answers[index] += 1
    return answers


def seed_history(patient: User, therapist: User, now: datetime, rng: random.Random) -> None:
    """Write the demo course of `patient` (one of COURSES), ending at `now`."""
    course = COURSES.get(patient.email)
    if course is None:
        return
    zone = ZoneInfo(patient.time_zone)
    local_now = now.astimezone(zone)
    start = (local_now - timedelta(days=DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)

    def at(days_ago: int, hour: int, minute: int = 0) -> datetime:
        day = (local_now - timedelta(days=days_ago)).date()
        return datetime.combine(day, time(hour, minute), tzinfo=zone)

    doses = [at(days, 10) for days in course.dose_days_ago]
    for dose in doses:
        care.create_dosing_session(
            patient,
            therapist,
            DosingSessionCreateSchema().load(
                {
                    "id": str(uuid.uuid4()),
                    "scheduled_at": dose.isoformat(),
                    "route": "iv",
                    "dose_mg": float(rng.choice([35, 40, 45, 50])),
                    "setting": "clinic",
                    "status": "completed",
                }
            ),
        )
        care.create_integration_session(
            patient,
            therapist,
            IntegrationSessionCreateSchema().load(
                {
                    "id": str(uuid.uuid4()),
                    "scheduled_at": (dose + timedelta(days=2, hours=4)).isoformat(),
                    "status": "completed",
                }
            ),
        )
    if course.upcoming_dose_in_days:
        upcoming = at(-course.upcoming_dose_in_days, 10)
        care.create_dosing_session(
            patient,
            therapist,
            DosingSessionCreateSchema().load(
                {
                    "id": str(uuid.uuid4()),
                    "scheduled_at": upcoming.isoformat(),
                    "route": "iv",
                    "dose_mg": 45.0,
                    "setting": "clinic",
                }
            ),
        )
    care.create_integration_session(
        patient,
        therapist,
        IntegrationSessionCreateSchema().load(
            {"id": str(uuid.uuid4()), "scheduled_at": at(-2, 15).isoformat()}
        ),
    )

    prompts = {}
    for prompt in library.default_prompts():
        for phase in prompt["phases"]:
            prompts.setdefault(phase, []).append(prompt["key"])
    library.ensure_clinic_library(patient.clinic_id)

    for days_ago in range(DAYS, 0, -1):
        progress = 1 - days_ago / DAYS
        mood = course.mood_start + (course.mood_end - course.mood_start) * progress
        if course.dip_days_ago and abs(days_ago - course.dip_days_ago) <= 3:
            mood -= 2.5
        mood = round(min(10, max(0, mood + rng.gauss(0, 0.9))))
        evening = at(days_ago, rng.choice([19, 20, 21]), rng.randrange(60))
        if evening < start:
            continue
        phase = _phase_on(evening, doses)
        if rng.random() < 0.88 or phase == "dosing_day":
            good = mood >= 5
            checkin = {
                "id": str(uuid.uuid4()),
                "recorded_at": evening.isoformat(),
                "mood": mood,
                "shared": rng.random() > 0.1,
            }
            if phase != "dosing_day":  # right after a dose, mood alone is enough
                checkin.update(
                    anxiety=max(0, min(10, 10 - mood + rng.randint(-2, 1))),
                    energy=max(0, min(10, mood + rng.randint(-2, 2))),
                    sleep_quality=max(0, min(10, mood + rng.randint(-2, 2))),
                    emotions=rng.sample(EMOTIONS_GOOD if good else EMOTIONS_HARD, 2),
                )
                if rng.random() < 0.3:
                    checkin["note"] = rng.choice(NOTES_GOOD if good else NOTES_HARD)
            journal.create_checkin(patient, CheckInCreateSchema().load(checkin))
        if rng.random() < (0.6 if phase in ("dosing_day", "early_integration") else 0.3):
            key = rng.choice(prompts.get(phase) or prompts["integration"])
            journal.create_entry(
                patient,
                EntryCreateSchema().load(
                    {
                        "id": str(uuid.uuid4()),
                        "written_at": (evening + timedelta(minutes=5)).isoformat(),
                        "body": rng.choice(ENTRY_BODIES[phase]),
                        "prompt_id": str(library.default_prompt_id(patient.clinic_id, key)),
                        "shared": rng.random() > 0.15,
                        "discuss_next_session": days_ago < 10 and rng.random() < 0.3,
                    }
                ),
            )

    # Baseline before the first dose, then about weekly.
    first = max(course.dose_days_ago) + 5
    weeks = list(range(first, 0, -7))
    for index, days_ago in enumerate(weeks):
        progress = index / max(1, len(weeks) - 1)
        phq9 = round(course.phq9_start + (course.phq9_end - course.phq9_start) * progress)
        item9 = 1 if course.recent_safety_answer and index == len(weeks) - 1 else 0
        morning = at(days_ago, 9, 30)
        _answer(patient, "phq9", _phq9_answers(phq9, rng, item9), morning)
        gad7 = max(0, min(21, round(phq9 * 0.75 + rng.randint(-2, 2))))
        _answer(patient, "gad7", _spread(gad7, 7, 3, rng), morning + timedelta(minutes=4))
        if course.pcl5 and index % 4 == 0:
            pcl5 = max(0, round(48 - 20 * progress + rng.randint(-3, 3)))
            _answer(patient, "pcl5", _spread(pcl5, 20, 4, rng), morning + timedelta(minutes=8))


def _answer(patient: User, instrument: str, answers: list[int], when: datetime) -> None:
    measures.create_response(
        patient,
        instrument,
        ResponseCreateSchema().load(
            {
                "id": str(uuid.uuid4()),
                "answers": answers,
                "completed_at": when.isoformat(),
                "shared": True,
            }
        ),
    )
