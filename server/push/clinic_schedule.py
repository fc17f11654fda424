"""A clinic's own prompt times around dosing sessions, as staff see and set them.

Functions flush and never commit; the request commits.
"""

import uuid
from datetime import datetime
from datetime import time as clock

from server.db import fingerprint, unchanged_since_read, utcnow
from server.extensions import db
from server.push import scheduling
from server.push.models import ClinicPushSchedule


def clinic_session_prompts(clinic_id: uuid.UUID) -> dict:
    """The clinic's prompt times around each dosing session, as the API shows them, with
    their `version` (a fingerprint of the rest: an editor sends it back when saving)."""
    shown = _shown(db.session.get(ClinicPushSchedule, clinic_id))
    return shown | {"version": fingerprint(shown)}


def _shown(stored: ClinicPushSchedule | None) -> dict:
    return {
        "session_prompts": [
            {"name": s.name, "days": s.days, "at": s.at.strftime("%H:%M")}
            for s in scheduling.slots_of(stored)
        ],
        "customised": stored is not None,
    }


def set_clinic_session_prompts(
    clinic_id: uuid.UUID,
    items: list[dict] | None,
    now: datetime | None = None,
    *,
    version: str | None = None,
) -> dict:
    """Set (None: back to the defaults) a clinic's prompt times, and move what is queued.

    With `version` (as `clinic_session_prompts` gave it), times changed since
    are a 409 and nothing is written; so are first times when other first
    times were saved meanwhile, version or not. Every dosing session of the
    clinic's patients whose prompts may still lie ahead is re-planned: pending
    prompts follow the new times, prompts no longer wanted are cancelled, new
    ones are queued if still in the future. What was already sent stays as it
    was.
    """
    now = now or utcnow()
    # Locked (PostgreSQL) until the request commits: two saves are checked in turn.
    stored = db.session.get(ClinicPushSchedule, clinic_id, with_for_update=True)
    unchanged_since_read(version, _shown(stored), scheduling.PROMPT_SCHEDULE)
    before = scheduling.slots_of(stored)
    slots = None
    if items is not None:
        slots = [
            scheduling.PromptSlot(item["name"], item["days"], clock.fromisoformat(item["at"]))
            for item in items
        ]
    scheduling.set_session_prompts(clinic_id, slots, stored=stored)
    after = scheduling.session_prompt_slots(clinic_id)
    # A session this long ago has no prompt left to move, under the old times or the new.
    reach = max([s.days for s in (*before, *after)] + [0])
    for session, patient in scheduling.sessions_with_prompts_ahead(
        now, reach_days=reach, clinic_id=clinic_id
    ):
        scheduling.plan_session(session, patient, now)
    return clinic_session_prompts(clinic_id)
