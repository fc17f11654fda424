"""Factories that build real rows, quickly.

Passwords are hashed once per run: Argon2id is deliberately slow. Each
factory commits: inside a test that only releases a savepoint (see
conftest), and it keeps the row when a failing request rolls back.
"""

import functools
import itertools
import uuid

from server.auth.models import User
from server.auth.passwords import hash_password
from server.clinics.models import CareTeamMember, Clinic
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
