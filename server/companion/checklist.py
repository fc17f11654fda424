"""The preparation checklist of a dosing session: which items, and which are ticked.

A clinic sets its own items or keeps the built-in ones
(`default_checklist.json`). A home session always asks for the support
person: if the clinic's list has no item with that key, the built-in one is
added, so no clinic setting can drop it.
"""

import json
import re
import uuid
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.care.models import DosingSession
from server.companion.models import ChecklistTick, ClinicChecklist
from server.db import fingerprint, insert_first, unchanged_since_read, utcnow
from server.errors import abort
from server.extensions import db

SUPPORT_PERSON = "support-person"
MAX_ITEMS = 20
ITEM_TEXT_MAX = 300


@cache
def default_items() -> tuple[dict, ...]:
    data = json.loads(Path(__file__).with_name("default_checklist.json").read_text("utf-8"))
    return tuple(data["items"])


def clinic_items(clinic_id: uuid.UUID) -> list[dict]:
    """The clinic's checklist as it set it, or the built-in one."""
    # A query, not session.get: one statement every time, so lists that use it
    # cost the same whether or not the row was loaded before.
    stored = db.session.scalar(
        select(ClinicChecklist.items).where(ClinicChecklist.clinic_id == clinic_id)
    )
    return [dict(item) for item in (stored if stored is not None else default_items())]


def items_for(session: DosingSession, clinic_items: list[dict]) -> list[dict]:
    """The items of `session`: home-only ones at home only; at home, the support person always."""
    return items_for_setting(session.setting, clinic_items)


def items_for_setting(setting: str, clinic_items: list[dict]) -> list[dict]:
    home = setting == "home"
    chosen = [item for item in clinic_items if home or not item.get("home_only")]
    if home and not any(item["key"] == SUPPORT_PERSON for item in chosen):
        builtin = next(item for item in default_items() if item["key"] == SUPPORT_PERSON)
        chosen.insert(0, dict(builtin))
    return chosen


def ticked_keys(session_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    """The ticked item keys of each session, in one statement."""
    found: dict[uuid.UUID, set[str]] = {session_id: set() for session_id in session_ids}
    rows = db.session.execute(
        select(ChecklistTick.ketamine_session_id, ChecklistTick.item_key).where(
            ChecklistTick.ketamine_session_id.in_(session_ids)
        )
    )
    for session_id, key in rows:
        found[session_id].add(key)
    return found


def status(session: DosingSession, clinic_items: list[dict], ticked: set[str]) -> list[dict]:
    """`[{"key", "text", "home_only", "done"}]` for one session."""
    return [item | {"done": item["key"] in ticked} for item in items_for(session, clinic_items)]


def set_tick(session: DosingSession, key: str, done: bool) -> None:
    """Tick or untick one item; doing it twice is the same as doing it once."""
    keys = {item["key"] for item in items_for(session, clinic_items_of(session))}
    if key not in keys:
        abort(422, "No such item on this checklist.", errors={"item": ["Not on this checklist."]})
    if session.status == "cancelled":
        abort(409, "This dosing session was cancelled.")
    existing = db.session.get(ChecklistTick, (session.id, key))
    if done and existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    ChecklistTick(
                        ketamine_session_id=session.id,
                        item_key=key,
                        patient_id=session.patient_id,
                        ticked_at=utcnow(),
                    )
                )
        except IntegrityError:
            pass  # a twin request ticked it first: ticked either way
    elif not done and existing is not None:
        db.session.delete(existing)
    db.session.flush()


def clinic_items_of(session: DosingSession) -> list[dict]:
    from server.auth.models import User

    patient = db.session.get(User, session.patient_id)
    return clinic_items(patient.clinic_id)


def version_of(items: list[dict], customised: bool) -> str:
    """A short fingerprint of a clinic's checklist as staff see it (its `clinic_items`,
    built-in or own): an editor sends back the one it read, so a save never silently
    undoes another's."""
    return fingerprint(_seen(items, customised))


def _seen(items: list[dict], customised: bool) -> dict:
    return {"customised": customised, "items": items}


def set_clinic_items(
    clinic_id: uuid.UUID,
    items: list[dict] | None,
    by_id: uuid.UUID,
    *,
    version: str | None = None,
) -> list[dict]:
    """Replace the clinic's checklist, or with None go back to the built-in one.

    An item sent without a key gets one made from its words (ticks are kept
    by key, so an item keeps its key when its words change). With `version`
    (`version_of` as the editor read it), a list changed since is a 409 and
    nothing is written; so is a first list when another first list was saved
    meanwhile, version or not.
    """
    # Locked (PostgreSQL) until the request commits: two saves are checked in turn.
    stored = db.session.get(ClinicChecklist, clinic_id, with_for_update=True)
    current = stored.items if stored is not None else default_items()
    unchanged_since_read(version, _seen(list(current), stored is not None), "The checklist")
    if items is None:
        if stored is not None:
            db.session.delete(stored)
            db.session.flush()
        return clinic_items(clinic_id)
    given = [item["key"] for item in items if item.get("key")]
    if len(set(given)) != len(given):
        abort(422, "Each item needs its own key.", errors={"items": ["Two items share a key."]})
    taken = set(given)
    items = [
        {
            "key": item.get("key") or _new_key(item["text"], taken),
            "text": item["text"],
            "home_only": item.get("home_only", False),
        }
        for item in items
    ]
    if stored is None:
        row = ClinicChecklist(clinic_id=clinic_id, items=items, updated_by_id=by_id)
        insert_first(db.session, row, "The checklist")
    else:
        stored.items = items
        stored.updated_by_id = by_id
    db.session.flush()
    return clinic_items(clinic_id)


def is_customised(clinic_id: uuid.UUID) -> bool:
    return db.session.get(ClinicChecklist, clinic_id) is not None


def _new_key(text: str, taken: set[str]) -> str:
    """A key from the first words of `text`, e.g. "bring-a-blanket", not in `taken`."""
    words = re.findall(r"[a-z0-9]+", text.lower())[:4]
    base = "-".join(words)[:40].strip("-") or "item"
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    taken.add(key)
    return key
