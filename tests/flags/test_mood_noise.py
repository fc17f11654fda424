"""The mood rules on a simulated month of ordinary mood: noise raises (almost) nothing.

Each simulated patient has their own usual mood and day-to-day spread and
no real deterioration; the same month with a real drop in it is caught.
bench/flag_counts.py runs the same shape of month at a larger size.
"""

import random
from datetime import timedelta

from sqlalchemy import select

from server.db import utcnow
from server.extensions import db
from server.flags.models import Flag
from tests import factories

DAYS = 30


def ordinary_month(rng: random.Random) -> list[int]:
    usual = rng.uniform(4.0, 7.5)
    spread = rng.uniform(0.8, 1.6)
    return [round(min(10, max(0, rng.gauss(usual, spread)))) for _ in range(DAYS)]


def live(checkin, patient, moods, start):
    for day, mood in enumerate(moods):
        checkin(patient, mood, start + timedelta(days=day, hours=20))


def flags_of(patients):
    ids = [p.id for p in patients]
    return list(db.session.scalars(select(Flag.kind).where(Flag.patient_id.in_(ids))))


def test_a_month_of_ordinary_mood_for_ten_patients_raises_at_most_one_flag(
    checkin, clinic, therapist
):
    rng = random.Random(2026)
    start = utcnow() - timedelta(days=DAYS + 1)
    patients = [factories.user(clinic, "patient", therapist=therapist) for _ in range(10)]
    for patient in patients:
        live(checkin, patient, ordinary_month(rng), start)
    # 300 check-ins; the old rule (3 below the week's mean) raised about one in 40.
    raised = flags_of(patients)
    assert len(raised) <= 1


def test_the_same_month_with_a_real_fall_is_caught(checkin, patient):
    rng = random.Random(7)
    moods = ordinary_month(rng)
    usual = sum(moods[:20]) / 20
    fallen = [max(0, round(usual) - 4)] * 3
    live(checkin, patient, moods[:20] + fallen, utcnow() - timedelta(days=DAYS + 1))
    assert "mood_drop" in flags_of([patient])
