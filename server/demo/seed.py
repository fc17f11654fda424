"""The demo clinic. Running the seed twice changes nothing."""

import random
from dataclasses import dataclass

from sqlalchemy import select

from server.auth import services as accounts
from server.auth import totp
from server.clinics.models import Clinic
from server.clinics.services import create_clinic
from server.db import utcnow
from server.demo.history import seed_history
from server.extensions import db

DEMO_CLINIC = "Between Demo Clinic"
# Demo only, and public on purpose: the demo therapist and admin must give a
# TOTP code like real staff, so this secret is printed with the logins (add it
# to an authenticator, or `python -c "import pyotp; print(pyotp.TOTP('…').now())"`).
# `flask demo seed` refuses to run in production.
DEMO_TOTP_SECRET = "BETWEENDEMOTOTPSECRETFORSTAFF234"  # noqa: S105 - public demo secret


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    display_name: str
    time_zone: str
    totp_secret: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount(
        "admin",
        "admin@demo.between.test",
        "harbour-lights-demo",
        "Dana Okafor",
        "America/New_York",
        DEMO_TOTP_SECRET,
    ),
    DemoAccount(
        "therapist",
        "therapist@demo.between.test",
        "steady-river-demo",
        "Dr. Maya Lindqvist",
        "America/New_York",
        DEMO_TOTP_SECRET,
    ),
    DemoAccount(
        "patient",
        "alex@demo.between.test",
        "gentle-morning-demo",
        "Alex Moreno",
        "America/New_York",
    ),
    DemoAccount(
        "patient",
        "sam@demo.between.test",
        "gentle-morning-demo",
        "Sam Whitfield",
        "America/Chicago",
    ),
    DemoAccount(
        "patient",
        "jordan@demo.between.test",
        "gentle-morning-demo",
        "Jordan Reyes",
        "America/Los_Angeles",
    ),
)


def seed_demo(*, only_if_empty: bool = False) -> bool:
    """Create what is missing of the demo clinic; True if anything was created."""
    if only_if_empty and db.session.scalar(select(Clinic.id).limit(1)) is not None:
        return False
    clinic = db.session.scalar(select(Clinic).where(Clinic.name == DEMO_CLINIC))
    created = clinic is None
    if clinic is None:
        clinic = create_clinic(DEMO_CLINIC, phone="+1 555 0100", phone_hours="Mon-Fri 9:00-17:00")
    therapist = None
    for account in DEMO_ACCOUNTS:
        user = accounts.user_by_email(account.email)
        if user is None:
            created = True
            user = accounts.create_user(
                clinic_id=clinic.id,
                role=account.role,
                email=account.email,
                password=account.password,
                display_name=account.display_name,
                time_zone=account.time_zone,
                therapist=therapist if account.role == "patient" else None,
            )
            if account.role == "patient":
                # Seeded per patient, so the demo looks the same everywhere.
                seed_history(user, therapist, utcnow(), random.Random(account.email))
        if account.totp_secret and not user.totp_enrolled:
            totp.activate(user, account.totp_secret)
        if account.role == "therapist":
            therapist = user
    return created
