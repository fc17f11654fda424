"""Factories that build real rows, quickly.

Passwords are hashed once per run: Argon2id is deliberately slow. Each
factory commits: inside a test that only releases a savepoint (see
conftest), and it keeps the row when a failing request rolls back.
"""

import functools
import itertools
import uuid

from server.auth.models import CareTeamMember, User
from server.auth.passwords import hash_password
from server.clinics.models import Clinic
from server.extensions import db

PASSWORD = "a long test passphrase"
_counter = itertools.count(1)


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)


def clinic(name: str | None = None) -> Clinic:
    made = Clinic(id=uuid.uuid4(), name=name or f"Clinic {next(_counter)}", phone="+1 555 0199")
    db.session.add(made)
    db.session.commit()
    return made


def user(
    clinic: Clinic,
    role: str = "patient",
    *,
    email: str | None = None,
    therapist: User | None = None,
    time_zone: str = "America/New_York",
    **fields,
) -> User:
    made = User(
        id=uuid.uuid4(),
        clinic_id=clinic.id,
        role=role,
        email=email or f"{role}{next(_counter)}@example.test",
        display_name=fields.pop("display_name", f"{role.title()} {next(_counter)}"),
        password_hash=password_hash(),
        time_zone=time_zone,
        **fields,
    )
    db.session.add(made)
    if therapist is not None:
        db.session.add(CareTeamMember(patient_id=made.id, therapist_id=therapist.id))
    db.session.commit()
    return made


def ketamine_session(patient: User, *, created_by: User | None = None, **fields):
    """A dosing session for `patient`; by default IV, at the clinic, a week from now."""
    from datetime import timedelta

    from server.care.models import DosingSession
    from server.db import utcnow

    made = DosingSession(
        id=fields.pop("id", uuid.uuid4()),
        patient_id=patient.id,
        scheduled_at=fields.pop("scheduled_at", utcnow() + timedelta(days=7)),
        route=fields.pop("route", "iv"),
        setting=fields.pop("setting", "clinic"),
        status=fields.pop("status", "scheduled"),
        created_by_id=created_by.id if created_by else None,
        **fields,
    )
    db.session.add(made)
    db.session.commit()
    return made


def integration_session(patient: User, therapist: User | None = None, **fields):
    """An integration session for `patient`; by default 50 minutes, eight days from now."""
    from datetime import timedelta

    from server.care.models import IntegrationSession
    from server.db import utcnow

    made = IntegrationSession(
        id=fields.pop("id", uuid.uuid4()),
        patient_id=patient.id,
        therapist_id=therapist.id if therapist else None,
        scheduled_at=fields.pop("scheduled_at", utcnow() + timedelta(days=8)),
        status=fields.pop("status", "scheduled"),
        **fields,
    )
    db.session.add(made)
    db.session.commit()
    return made


# --- Two-step sign-in (TOTP) ------------------------------------------------
# Therapists and admins must sign in with a TOTP code (SPEC 8), so staff made
# by `user` are enrolled with this known secret unless a test passes
# `totp_secret=None`; conftest's `Auth.login` sends `totp_code(user)`.
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_user_without_totp = user


def user(clinic: Clinic, role: str = "patient", **fields) -> User:
    """As above; staff are enrolled in TOTP with STAFF_TOTP_SECRET by default."""
    from server.auth.models import TOTP_REQUIRED_ROLES
    from server.db import utcnow

    if role in TOTP_REQUIRED_ROLES:
        fields.setdefault("totp_secret", STAFF_TOTP_SECRET)
    if fields.get("totp_secret"):
        fields.setdefault("totp_enrolled_at", utcnow())
    return _user_without_totp(clinic, role, **fields)


def totp_code(user: User) -> str | None:
    """The current TOTP code of `user`, or None when they have not enrolled.

    Tests sign one person in several times within a 30-second step, which
    replay protection would (rightly) refuse; so the last used step is
    forgotten first. Replay protection itself is tested in tests/auth/test_totp.py.
    """
    import pyotp
    from sqlalchemy import update

    stored = db.session.get(User, user.id)
    if stored is None or not stored.totp_enrolled:
        # End the read's transaction: on SQLite it holds the write lock, and a
        # live server thread would wait on it.
        db.session.commit()
        return None
    db.session.execute(update(User).where(User.id == user.id).values(totp_last_step=None))
    db.session.commit()
    return pyotp.TOTP(stored.totp_secret).now()


# --- Measures and flags -------------------------------------------------------


def measure_response(patient: User, instrument: str = "phq9", answers=None, **fields):
    """An answered questionnaire, scored by the server's own scoring; all zeros by default."""
    import hashlib

    from server.db import utcnow
    from server.measures import scoring
    from server.measures.models import MeasureResponse

    answers = list(answers if answers is not None else [0] * scoring.item_count(instrument))
    scored = scoring.score(instrument, answers)
    made = MeasureResponse(
        id=fields.pop("id", uuid.uuid4()),
        patient_id=patient.id,
        instrument=instrument,
        answers=answers,
        completed_at=fields.pop("completed_at", utcnow()),
        total=scored.total,
        severity=scored.severity,
        subscores=scored.subscores,
        shared=fields.pop("shared", True),
        request_digest=fields.pop("request_digest", hashlib.sha256(b"factory").hexdigest()),
        **fields,
    )
    db.session.add(made)
    db.session.commit()
    return made


def flag(patient: User, kind: str = "phq9_severe", **fields):
    """A flag on `patient`, raised now, with no source unless given."""
    from server.db import utcnow
    from server.flags.models import KINDS, Flag

    made_id = fields.pop("id", uuid.uuid4())
    made = Flag(
        id=made_id,
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        kind=kind,
        severity=fields.pop("severity", KINDS[kind][0]),
        dedupe_key=fields.pop("dedupe_key", f"{kind}:test:{made_id}"),
        raised_at=fields.pop("raised_at", utcnow()),
        **fields,
    )
    db.session.add(made)
    db.session.commit()
    return made


# --- Journal: check-ins, entries, prompts ---------------------------------------


def checkin(patient: User, **fields):
    """A check-in by `patient`, now, mood 6, shared per their default; `note` is encrypted."""
    from server.db import utcnow
    from server.journal.models import CheckIn

    note = fields.pop("note", None)
    recorded_at = fields.pop("recorded_at", utcnow())
    made = CheckIn(
        id=fields.pop("id", uuid.uuid4()),
        patient_id=patient.id,
        recorded_at=recorded_at,
        recorded_offset_minutes=int(recorded_at.utcoffset().total_seconds() // 60),
        mood=fields.pop("mood", 6),
        shared=fields.pop("shared", patient.share_by_default),
        emotions=fields.pop("emotions", []),
        **fields,
    )
    made.note = note
    db.session.add(made)
    db.session.commit()
    return made


def entry(patient: User, body: str = "A quiet evening; I wrote a little.", **fields):
    """A journal entry by `patient`, written now, shared per their default; `body` is encrypted."""
    from server.db import utcnow
    from server.journal.models import JournalEntry

    written_at = fields.pop("written_at", utcnow())
    made = JournalEntry(
        id=fields.pop("id", uuid.uuid4()),
        patient_id=patient.id,
        written_at=written_at,
        written_offset_minutes=int(written_at.utcoffset().total_seconds() // 60),
        shared=fields.pop("shared", patient.share_by_default),
        **fields,
    )
    made.body = body
    db.session.add(made)
    db.session.commit()
    return made


def prompt(clinic: Clinic, text: str = "What stayed with you today?", **fields):
    """A prompt in `clinic`'s library (by default for integration, theme insight)."""
    from server.journal.models import Prompt

    made = Prompt(
        id=fields.pop("id", uuid.uuid4()),
        clinic_id=clinic.id,
        text=text,
        phases=fields.pop("phases", ["integration"]),
        theme=fields.pop("theme", "insight"),
        active=fields.pop("active", True),
        **fields,
    )
    db.session.add(made)
    db.session.commit()
    return made


# --- Push: devices -------------------------------------------------------------


def push_subscription(user: User, device=None, **fields):
    """A push subscription of `user`, for a loopback push service `device`
    (tests/push/pushservice.py) or, without one, a fresh key pair at a
    made-up https endpoint."""
    import base64
    import secrets

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from server.push.models import PushSubscription

    if device is not None:
        endpoint, p256dh, auth = device.endpoint, device.p256dh, device.auth
    else:
        point = (
            ec.generate_private_key(ec.SECP256R1())
            .public_key()
            .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        )
        endpoint = f"https://push.example.test/{secrets.token_urlsafe(12)}"
        p256dh = base64.urlsafe_b64encode(point).rstrip(b"=").decode()
        auth = base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()
    made = PushSubscription(
        id=fields.pop("id", uuid.uuid4()),
        user_id=user.id,
        endpoint=fields.pop("endpoint", endpoint),
        p256dh=p256dh,
        auth=auth,
        **fields,
    )
    db.session.add(made)
    db.session.commit()
    return made
