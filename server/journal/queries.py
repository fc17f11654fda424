"""Reading the journal: the patient's own lists, what is due, and the care team's view.

The care team's functions (`shared_*`, `latest_checkin_times`,
`mood_series`, `unread_counts`) read shared items only, so a private item
never reaches a therapist, not even as a count or a point on a chart; and
they read live rows, so unsharing shows from the next request on. Callers
decide access (`server.access.patient_in_care`) and audit the read. Each
function runs a fixed number of statements whatever the history's size.
"""

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select, union_all

from server import paging
from server.auth.models import User
from server.db import utcnow
from server.extensions import db
from server.fields import zone
from server.items import visible_to_care_team
from server.journal.models import CheckIn, JournalEntry, Prompt, PromptAssignment

#: At most this many prompts are offered at once: a handful, not a backlog.
MAX_DUE_PROMPTS = 5


@dataclass
class Page:
    items: list
    next_cursor: str | None


# --- the patient's own lists ---------------------------------------------------


def checkins_page(
    patient_id: uuid.UUID,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """A patient's own check-ins, newest first, in one statement."""
    return _page(CheckIn, CheckIn.recorded_at, patient_id, since, until, cursor, limit)


def entries_page(
    patient_id: uuid.UUID,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """A patient's own journal entries, newest first, in one statement."""
    return _page(JournalEntry, JournalEntry.written_at, patient_id, since, until, cursor, limit)


#: How many of a patient's latest check-ins their reusable tags are read from.
TAGS_FROM_LATEST = 200


def recent_tags(patient_id: uuid.UUID) -> list[str]:
    """The patient's own tags, most recently used first, from their latest check-ins.

    Tags are encrypted at rest, so they are read from the rows and decrypted
    here, in one statement; the same word in another case counts once.
    """
    rows = db.session.scalars(
        select(CheckIn)
        .where(CheckIn.patient_id == patient_id, CheckIn.tags_ciphertext.is_not(None))
        .order_by(CheckIn.recorded_at.desc())
        .limit(TAGS_FROM_LATEST)
    )
    seen: dict[str, str] = {}
    for row in rows:
        for tag in row.tags:
            seen.setdefault(tag.casefold(), tag)
    return list(seen.values())


#: The most matches one search answers with; a patient narrows the words for more.
SEARCH_LIMIT = 100


def search_entries(patient_id: uuid.UUID, words: str) -> tuple[list[JournalEntry], bool]:
    """A patient's own entries whose text holds every one of `words`, newest first.

    Bodies are encrypted at rest, so there is no index to ask: the patient's
    entries are read in one statement and matched after decryption, in memory
    and for this request only. Returns the matches (at most SEARCH_LIMIT) and
    whether there were more.
    """
    terms = words.casefold().split()
    rows = db.session.scalars(
        select(JournalEntry)
        .where(JournalEntry.patient_id == patient_id)
        .order_by(JournalEntry.written_at.desc(), JournalEntry.id.desc())
    )
    found = [row for row in rows if all(term in row.body.casefold() for term in terms)]
    return found[:SEARCH_LIMIT], len(found) > SEARCH_LIMIT


def _page(model, at_column, patient_id, since, until, cursor, limit) -> Page:
    query = select(model).where(model.patient_id == patient_id)
    if since is not None:
        query = query.where(at_column >= since)
    if until is not None:
        query = query.where(at_column < until)
    bound_to = f"{model.__tablename__}:{patient_id}"
    if cursor:
        before_at, before_id = paging.open(cursor, bound_to, datetime, uuid.UUID)
        query = query.where(
            or_(at_column < before_at, and_(at_column == before_at, model.id < before_id))
        )
    rows = list(
        db.session.scalars(query.order_by(at_column.desc(), model.id.desc()).limit(limit + 1))
    )
    if len(rows) <= limit:
        return Page(rows, None)
    last = rows[limit - 1]
    return Page(rows[:limit], paging.seal([getattr(last, at_column.key), last.id], bound_to))


def own_checkins(patient_id: uuid.UUID) -> list[CheckIn]:
    """All of a patient's check-ins, oldest first (their export), in one statement."""
    return list(
        db.session.scalars(
            select(CheckIn)
            .where(CheckIn.patient_id == patient_id)
            .order_by(CheckIn.recorded_at, CheckIn.id)
        )
    )


def own_entries(patient_id: uuid.UUID) -> list[JournalEntry]:
    """All of a patient's journal entries, oldest first (their export), in one statement."""
    return list(
        db.session.scalars(
            select(JournalEntry)
            .where(JournalEntry.patient_id == patient_id)
            .order_by(JournalEntry.written_at, JournalEntry.id)
        )
    )


# --- the care team's view -------------------------------------------------------


def _shared(model, at_column, patient_id, since, until) -> Select:
    query = select(model).where(model.patient_id == patient_id, visible_to_care_team(model))
    if since is not None:
        query = query.where(at_column >= since)
    if until is not None:
        query = query.where(at_column < until)
    return query.order_by(at_column.desc(), model.id.desc())


def shared_checkins_since(
    patient_id: uuid.UUID, since: datetime | None = None, until: datetime | None = None
) -> list[CheckIn]:
    """A patient's shared check-ins recorded in `[since, until)`, newest first (one statement)."""
    return list(db.session.scalars(_shared(CheckIn, CheckIn.recorded_at, patient_id, since, until)))


def shared_entries_since(
    patient_id: uuid.UUID, since: datetime | None = None, until: datetime | None = None
) -> list[JournalEntry]:
    """A patient's shared journal entries written in `[since, until)`, newest first (one)."""
    return list(
        db.session.scalars(_shared(JournalEntry, JournalEntry.written_at, patient_id, since, until))
    )


def item_time(item: CheckIn | JournalEntry) -> datetime:
    """When an item was felt or written: what a timeline orders by."""
    return item.recorded_at if isinstance(item, CheckIn) else item.written_at


def shared_items_since(
    patient_id: uuid.UUID, since: datetime | None = None, until: datetime | None = None
) -> list[CheckIn | JournalEntry]:
    """Shared check-ins and entries together, newest first (two statements).

    `discuss_next_session` is on each item, for a brief that lists those first.
    """
    items = [
        *shared_checkins_since(patient_id, since, until),
        *shared_entries_since(patient_id, since, until),
    ]
    items.sort(key=lambda item: (item_time(item), item.id), reverse=True)
    return items


def latest_checkin_times(patient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """Each patient's latest shared check-in time (caseload), in one statement.

    Patients with no shared check-in are absent from the answer.
    """
    patient_ids = list(patient_ids)
    if not patient_ids:
        return {}
    rows = db.session.execute(
        select(CheckIn.patient_id, func.max(CheckIn.recorded_at))
        .where(CheckIn.patient_id.in_(patient_ids), visible_to_care_team(CheckIn))
        .group_by(CheckIn.patient_id)
    )
    return {patient_id: at for patient_id, at in rows if at is not None}


@dataclass(frozen=True)
class DailyMood:
    """One day of a mood series: the patient's local day, mean mood, how many check-ins."""

    day: date
    mood: float
    count: int


def mood_series(
    patient_ids: Iterable[uuid.UUID], *, days: int = 14, now: datetime | None = None
) -> dict[uuid.UUID, list[DailyMood]]:
    """Each patient's daily mean mood over the last `days` days, oldest first (one statement).

    From shared check-ins recorded in the `days` x 24 h before `now`. A day
    is the patient's own day as their device reported it (the offset sent
    with each check-in), so a late evening check-in stays on its evening.
    Days without a shared check-in are left out; every asked-for patient
    has a (possibly empty) list.
    """
    patient_ids = list(patient_ids)
    series: dict[uuid.UUID, list[DailyMood]] = {patient_id: [] for patient_id in patient_ids}
    if not patient_ids:
        return series
    now = now or utcnow()
    rows = db.session.execute(
        select(
            CheckIn.patient_id,
            CheckIn.recorded_at,
            CheckIn.recorded_offset_minutes,
            CheckIn.mood,
        ).where(
            CheckIn.patient_id.in_(patient_ids),
            visible_to_care_team(CheckIn),
            CheckIn.recorded_at > now - timedelta(days=days),
            CheckIn.recorded_at <= now,
        )
    )
    by_day: dict[uuid.UUID, dict[date, list[int]]] = defaultdict(lambda: defaultdict(list))
    for patient_id, recorded_at, offset, mood in rows:
        by_day[patient_id][CheckIn.as_local(recorded_at, offset).date()].append(mood)
    for patient_id, days_moods in by_day.items():
        series[patient_id] = [
            DailyMood(day, round(sum(moods) / len(moods), 2), len(moods))
            for day, moods in sorted(days_moods.items())
        ]
    return series


def unread_counts(
    patient_ids: Iterable[uuid.UUID],
    read_ids: Collection[uuid.UUID] | Select,
    since: datetime | dict[uuid.UUID, datetime | None] | None = None,
) -> dict[uuid.UUID, int]:
    """How many shared check-ins and entries each patient has that are not in `read_ids`.

    `read_ids` is a collection of item ids, or a `select()` of one id column
    (then the subtraction runs in the database). `since` limits the count to
    items at or after it, either one time for all or one per patient (e.g.
    each patient's last integration session; a patient missing from the
    mapping, or None, counts everything). One statement; every asked-for
    patient is in the answer.
    """
    patient_ids = list(patient_ids)
    counts = dict.fromkeys(patient_ids, 0)
    if not patient_ids:
        return counts
    parts = []
    for model, at_column in (
        (CheckIn, CheckIn.recorded_at),
        (JournalEntry, JournalEntry.written_at),
    ):
        part = select(model.patient_id.label("patient_id"), model.id.label("id")).where(
            model.patient_id.in_(patient_ids), visible_to_care_team(model)
        )
        if isinstance(since, dict):
            windows = [
                and_(model.patient_id == patient_id, at_column >= start)
                if start is not None
                else model.patient_id == patient_id
                for patient_id, start in ((p, since.get(p)) for p in patient_ids)
            ]
            part = part.where(or_(*windows))
        elif since is not None:
            part = part.where(at_column >= since)
        if isinstance(read_ids, Select):
            part = part.where(model.id.not_in(read_ids.scalar_subquery()))
        parts.append(part)
    items = union_all(*parts).subquery()
    if isinstance(read_ids, Select):
        rows = db.session.execute(
            select(items.c.patient_id, func.count()).group_by(items.c.patient_id)
        )
        counts.update({patient_id: count for patient_id, count in rows})
        return counts
    read = set(read_ids)
    for patient_id, item_id in db.session.execute(select(items.c.patient_id, items.c.id)):
        if item_id not in read:
            counts[patient_id] += 1
    return counts


# --- prompts --------------------------------------------------------------------


def clinic_library(
    clinic_id: uuid.UUID,
    *,
    phase: str | None = None,
    theme: str | None = None,
    active: bool | None = None,
) -> list[Prompt]:
    """A clinic's prompt library, by phase order then text, in one statement.

    Call `services.ensure_clinic_library` first so a new clinic has its copy
    of the built-in library.
    """
    query = select(Prompt).where(Prompt.clinic_id == clinic_id)
    if theme is not None:
        query = query.where(Prompt.theme == theme)
    if active is not None:
        query = query.where(Prompt.active.is_(active))
    prompts = list(db.session.scalars(query.order_by(Prompt.created_at, Prompt.id)))
    if phase is not None:
        # A JSON list; filtered here so the query reads alike on SQLite and PostgreSQL.
        prompts = [prompt for prompt in prompts if phase in prompt.phases]
    return prompts


@dataclass
class DuePrompt:
    prompt: Prompt  # or a row of its id, text, theme and phases
    source: str
    assignment_id: uuid.UUID | None = None
    due_at: datetime | None = None
    prompt_of_the_day: bool = False

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
      twice before the same one. On a dosing day before the dose, the
      preparation prompts about intention are offered instead: the
      dosing-day prompts are about what was just lived; from the dose until
      `DOSING_DAY_WAIT` (3 h) after it, no phase prompt is offered: rest
      comes first.
    - At most `MAX_DUE_PROMPTS`. The first is the prompt of the day: the
      oldest due assignment, or else a pick from the phase prompts that
      stays the same all day (the patient's local day) unless answered.

    Five statements whatever the history (phase, library, assignments, two
    kinds of answers); the clinic's library must exist
    (`services.ensure_clinic_library`).
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
        if prompt.id in seen:
            continue
        seen.add(prompt.id)
        items.append(DuePrompt(prompt, "assigned", assignment.id, assignment.due_at))

    candidates = [
        prompt
        for prompt in ([] if resting else _phase_prompts(patient.clinic_id, phase_name, theme))
        if prompt.id not in seen
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
    """The clinic's active prompts for `phase` (and `theme`): the four columns a due
    prompt shows, as rows; one statement. Like `clinic_library`, the phase is
    matched here, not in SQL, so the query reads alike on both databases; the
    rows skip the ORM's loading of every column of ~60 prompts per request."""
    query = select(Prompt.id, Prompt.text, Prompt.theme, Prompt.phases).where(
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
