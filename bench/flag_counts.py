"""How many flags the demo patients and a simulated month of ordinary mood raise.

    .venv/bin/python -m bench.flag_counts

Builds a throwaway SQLite database, runs `flask demo seed`'s seeding and
the missed-check-in scan, then stores a month of daily check-ins for
simulated patients whose mood only wanders around their own usual level
(no real deterioration), all through the journal's own service so the flag
rules run as in production. Prints the flags raised, by kind.
"""

import os
import random
import sys
import tempfile
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

PATIENTS = 40
PASSWORD = "simulated-account-pw"  # noqa: S105 - throwaway database
DAYS = 30


def ordinary_month(rng: random.Random) -> list[int]:
    """Thirty evenings of one patient's mood: their usual level plus day-to-day noise."""
    usual = rng.uniform(4.0, 7.5)
    spread = rng.uniform(0.8, 1.6)
    return [round(min(10, max(0, rng.gauss(usual, spread)))) for _ in range(DAYS)]


def main() -> None:
    folder = tempfile.mkdtemp(prefix="between-flag-counts-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/flags.db"
    os.environ.setdefault("BETWEEN_ENV", "development")
    from sqlalchemy import select

    from server import create_app
    from server.auth import services as accounts
    from server.clinics.services import create_clinic
    from server.db import utcnow
    from server.demo.seed import seed_demo
    from server.extensions import db
    from server.flags.checkin_rules import scan_missed_checkins
    from server.flags.models import Flag
    from server.journal import services as journal
    from server.journal.schemas import CheckInCreateSchema

    app = create_app()
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()
        scan_missed_checkins(utcnow())
        db.session.commit()
        demo = Counter(db.session.scalars(select(Flag.kind)))
        print("demo patients:", sum(demo.values()), dict(sorted(demo.items())))

        clinic = create_clinic("Simulated clinic")
        therapist = accounts.create_user(
            clinic_id=clinic.id,
            role="therapist",
            email="sim-therapist@example.test",
            password=PASSWORD,
        )
        rng = random.Random(13)
        start = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
        patients = []
        for n in range(PATIENTS):
            patient = accounts.create_user(
                clinic_id=clinic.id,
                role="patient",
                email=f"sim-{n}@example.test",
                password=PASSWORD,
                therapist=therapist,
            )
            patients.append(patient.id)
            for day, mood in enumerate(ordinary_month(rng)):
                at = start + timedelta(days=day, minutes=rng.randrange(-60, 60))
                data = {"id": str(uuid.uuid4()), "recorded_at": at.isoformat(), "mood": mood}
                journal.create_checkin(patient, CheckInCreateSchema().load(data))
        db.session.commit()
        month = Counter(db.session.scalars(select(Flag.kind).where(Flag.patient_id.in_(patients))))
        print(
            f"ordinary month ({PATIENTS} patients x {DAYS} check-ins):",
            sum(month.values()),
            dict(sorted(month.items())),
        )


if __name__ == "__main__":
    sys.exit(main())
