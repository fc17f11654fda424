"""What a patient is asked to answer now: assigned prompts first, then the phase's."""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from server.auth.models import User
from server.db import utcnow
from server.extensions import db
from server.fields import zone
from server.journal.models import JournalEntry, Prompt, PromptAssignment

#: At most this many prompts are offered at once: a handful, not a backlog.
MAX_DUE_PROMPTS = 5
#: Built-in prompts about the end of a series: offered in integration only
#: once no further dosing session is booked.
END_OF_SERIES_KEYS = frozenset({"int-relapse-plan", "int-after-series"})
#: What other features offer among the prompts, e.g. the companion's intention
#: coming back after a dose. The journal does not import them: they hand a
#: function over when the app is assembled (`provide_returning`).
_RETURNING = "between.journal.returning_prompts"


def provide_returning(app, returning) -> None:
    """`returning(patient, phase, now)` -> [DuePrompt] to offer after the assigned ones;
    at most one statement."""
    app.extensions[_RETURNING] = returning


@dataclass
class DuePrompt:
    prompt: Prompt  # or a row of its id, text, theme and phases
    source: str
    assignment_id: uuid.UUID | None = None
    due_at: datetime | None = None
    prompt_of_the_day: bool = False
    # A prompt that is answered elsewhere than in an entry (source "intention":
    # a write-back to the intention of this dosing session).
    intention_id: uuid.UUID | None = None
    ketamine_session_id: uuid.UUID | None = None

    @property
    def id(self):
        return self.prompt.id

    @property
    def text(self):
        return self.prompt.text

    @property
    def theme(self):
        return self.prompt.theme

    @property
    def phases(self):
        return self.prompt.phases


@dataclass
class DuePrompts:
    phase: str
    items: list[DuePrompt] = field(default_factory=list)


def due_prompts(patient: User, now: datetime | None = None) -> DuePrompts:
    """The prompts to offer `patient` now: assigned ones first, then ones for the phase.

    - Assigned: the therapist's assignments due by now, oldest first, that
      the patient has not answered with an entry since the assignment was
      made (an answer given before it fell due counts), and whose prompt is
      still switched on.
    - Phase prompts: the clinic's active prompts for the current phase
      (`server.care.phase.phase_at`), without those the patient answered
      within the current phase window (see `phase_window_start`), so an
      intention prompt comes back before the next dosing session but not
      twice before the same one. The prompts about the end of a series
      (`END_OF_SERIES_KEYS`) wait until no further dose is booked. On a
      dosing day before the dose, the preparation prompts about intention
      are offered instead: the
      dosing-day prompts are about what was just lived; from the dose until
      `DOSING_DAY_WAIT` (3 h) after it, no phase prompt is offered: rest
      comes first, and prompts assigned for those hours wait until it ends.
    - Returning: what another feature brings back (`provide_returning`), after
      the assigned ones: the companion's "did your intention show up?".
    - At most `MAX_DUE_PROMPTS`. The first is the prompt of the day: the
      oldest due assignment, or else a pick from the phase prompts that
      stays the same all day (the patient's local day) unless answered.

    Five statements whatever the history (phase, library, assignments, two
    kinds of answers), and at most one more for what returns; the clinic's
    library must exist
    (`prompts.ensure_clinic_library`).
    """
    from server.care.phase import DOSING_DAY_WAIT, phase_at

    now = now or utcnow()
    phase = phase_at(patient, now)
    phase_name, theme = phase.name, None
    resting = False
    if phase.name == "dosing_day" and phase.ketamine_session_at is not None:
        if now < phase.ketamine_session_at:
            phase_name, theme = "preparation", "intention"
        else:
            resting = now < phase.ketamine_session_at + DOSING_DAY_WAIT

    assigned_rows = db.session.execute(
        select(PromptAssignment, Prompt)
        .join(Prompt, Prompt.id == PromptAssignment.prompt_id)
        .where(
            PromptAssignment.patient_id == patient.id,
            PromptAssignment.due_at <= now,
            Prompt.active.is_(True),
            ~select(JournalEntry.id)
            .where(
                JournalEntry.patient_id == patient.id,
                JournalEntry.prompt_id == PromptAssignment.prompt_id,
                JournalEntry.created_at >= PromptAssignment.created_at,
            )
            .exists(),
        )
        .order_by(PromptAssignment.due_at, PromptAssignment.id)
    ).all()
    items: list[DuePrompt] = []
    seen: set[uuid.UUID] = set()
    for assignment, prompt in assigned_rows:
        if prompt.id in seen or resting:
            continue
        seen.add(prompt.id)
        items.append(DuePrompt(prompt, "assigned", assignment.id, assignment.due_at))
    returning = current_app.extensions.get(_RETURNING)
    if returning is not None and not resting:
        items.extend(returning(patient, phase, now))

    candidates = [
        prompt
        for prompt in ([] if resting else _phase_prompts(patient.clinic_id, phase_name, theme))
        if prompt.id not in seen
        and not (phase.another_booked and prompt.default_key in END_OF_SERIES_KEYS)
    ]
    window_start = phase_window_start(phase, patient, now)
    answered_query = select(JournalEntry.prompt_id).where(
        JournalEntry.patient_id == patient.id, JournalEntry.prompt_id.is_not(None)
    )
    if window_start is not None:
        answered_query = answered_query.where(JournalEntry.written_at >= window_start)
    answered = set(db.session.scalars(answered_query))
    candidates = sorted(
        (prompt for prompt in candidates if prompt.id not in answered), key=lambda p: p.id
    )
    if candidates:
        local_day = now.astimezone(zone(patient.time_zone)).date()
        start = _daily_index(patient.id, local_day, phase_name, len(candidates))
        candidates = candidates[start:] + candidates[:start]
    items.extend(DuePrompt(prompt, "phase") for prompt in candidates)
    items = items[:MAX_DUE_PROMPTS]
    if items:
        items[0].prompt_of_the_day = True
    return DuePrompts(phase=phase.name, items=items)


def _phase_prompts(clinic_id: uuid.UUID, phase: str, theme: str | None) -> list:
    """The clinic's active prompts for `phase` (and `theme`): the columns a due
    prompt shows, and its built-in key, as rows; one statement. Like `clinic_library`, the phase is
    matched here, not in SQL, so the query reads alike on both databases; the
    rows skip the ORM's loading of every column of ~60 prompts per request."""
    query = select(Prompt.id, Prompt.text, Prompt.theme, Prompt.phases, Prompt.default_key).where(
        Prompt.clinic_id == clinic_id, Prompt.active.is_(True)
    )
    if theme is not None:
        query = query.where(Prompt.theme == theme)
    rows = db.session.execute(query.order_by(Prompt.created_at, Prompt.id)).all()
    return [row for row in rows if phase in row.phases]


def _daily_index(patient_id: uuid.UUID, day: date, phase: str, size: int) -> int:
    # A hash, not random(): the same patient sees the same pick all day, on
    # every device and worker; different patients see different picks.
    digest = hashlib.sha256(f"{patient_id}|{day.isoformat()}|{phase}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % size


def phase_window_start(phase, patient: User, now: datetime) -> datetime | None:
    """When the patient's current phase began, for "already answered in this phase".

    - preparation: the start of the first preparation day before the
      upcoming session (None, "ever", when no session is booked);
    - dosing_day: the start of that local day;
    - early_integration: the dose;
    - integration: 72 h after the dose.
    """
    from server.care.phase import EARLY_INTEGRATION_WINDOW, PREPARATION_DAYS

    session_at = phase.ketamine_session_at
    if session_at is None:
        return None
    tz = zone(patient.time_zone)
    session_day = datetime.combine(session_at.astimezone(tz).date(), datetime.min.time(), tz)
    if phase.name == "preparation":
        start = session_day - timedelta(days=PREPARATION_DAYS)
        # Before the first session ever, preparation has no start: "ever".
        return start if start <= now else None
    if phase.name == "dosing_day":
        return session_day
    if phase.name == "early_integration":
        return session_at
    return session_at + EARLY_INTEGRATION_WINDOW
