"""The companion's part in other features: the intention coming back among the prompts.

The journal offers the prompts due (`server.journal.due`) and does not
import the companion; the companion hands it `intention_coming_back` when
the app is assembled.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from server.auth.models import User
from server.companion.models import Intention, IntentionReflection
from server.companion.queries import INTENTION_RETURNS_FOR
from server.extensions import db
from server.journal import due

#: The phases in which the intention comes back: the days after its dose
#: (on the dosing day itself the dosing-day page shows it).
RETURNS_IN = ("early_integration", "integration")


@dataclass(frozen=True)
class _Returning:
    """What a due prompt shows: an id, the words, a theme and the phases."""

    id: object
    text: str
    theme: str
    phases: list[str]


def init_app(app) -> None:
    """Offer the intention among the prompts due."""
    due.provide_returning(app, intention_coming_back)


def back_text(body: str) -> str:
    return f"You came in wanting “{body}”: did it show up?"


def intention_coming_back(patient: User, phase, now: datetime) -> list[due.DuePrompt]:
    """The intention for the latest dose, in the week after it, until the patient
    has written back about it once; none otherwise. At most one statement."""
    session_at = phase.ketamine_session_at
    if phase.name not in RETURNS_IN or session_at is None:
        return []
    if not now - session_at < INTENTION_RETURNS_FOR:
        return []
    intention = db.session.scalars(
        select(Intention).where(
            Intention.patient_id == patient.id,
            Intention.ketamine_session_id == phase.ketamine_session_id,
            ~select(IntentionReflection.id)
            .where(IntentionReflection.intention_id == Intention.id)
            .exists(),
        )
    ).first()
    if intention is None:
        return []
    shown = _Returning(intention.id, back_text(intention.body), "intention", [phase.name])
    return [
        due.DuePrompt(
            shown,
            "intention",
            intention_id=intention.id,
            ketamine_session_id=intention.ketamine_session_id,
        )
    ]
