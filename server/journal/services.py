"""Writing the journal: check-ins and entries, created, edited and deleted.

Functions flush and never commit; the request boundary (or a CLI command)
commits once. Nothing here logs or raises with what a patient wrote.

Idempotency (`server.items.store_once`): a replay is compared with what is
stored now, field by field, on the fields the request sent; fields it left
out are compared with their defaults, except `shared` (its default is a
setting that may have changed since) and an entry's derived
`ketamine_session_id`. A deleted item's tombstone makes a replay a 410.
The prompt library and assignments are in `prompts.py`.
"""

import uuid

from sqlalchemy import inspect as sa_inspect

from server.audit.services import record, sharing_changed
from server.auth.models import User
from server.care.services import own_dosing_session
from server.db import versioned_edit
from server.errors import abort
from server.extensions import db
from server.fields import clamp_device_time
from server.items import bury, refuse_buried, replayed, store_once
from server.journal.models import CheckIn, JournalEntry, Prompt
from server.signals import item_created

CHECKIN_FIELDS = ("mood", "anxiety", "energy", "sleep_quality", "discuss_next_session", "unsafe")
ENTRY_FIELDS = ("discuss_next_session",)

Item = CheckIn | JournalEntry


def _text_or_none(value: str | None) -> str | None:
    return value if value else None


def _same_time(stored_at, stored_offset: int, sent_at, device_time=None) -> bool:
    said = device_time or stored_at  # a clamped time is compared with what the phone said
    return said == sent_at and stored_offset == CheckIn.offset_minutes(sent_at)


def _same_checkin(stored: CheckIn, data: dict) -> bool:
    if not _same_time(
        stored.recorded_at, stored.recorded_offset_minutes, data["recorded_at"], stored.device_time
    ):
        return False
    defaults = {"anxiety": None, "energy": None, "sleep_quality": None}
    defaults["discuss_next_session"] = False
    defaults["unsafe"] = False
    for name in CHECKIN_FIELDS:
        if getattr(stored, name) != data.get(name, defaults.get(name)):
            return False
    if list(stored.emotions or []) != list(data.get("emotions") or []):
        return False
    if stored.tags != list(data.get("tags") or []):
        return False
    if "shared" in data and stored.shared != data["shared"]:
        return False
    return stored.note == _text_or_none(data.get("note"))


def _same_entry(stored: JournalEntry, data: dict) -> bool:
    if not _same_time(
        stored.written_at, stored.written_offset_minutes, data["written_at"], stored.device_time
    ):
        return False
    if stored.discuss_next_session != data.get("discuss_next_session", False):
        return False
    if stored.prompt_id != data.get("prompt_id"):
        return False
    if "ketamine_session_id" in data and stored.ketamine_session_id != data["ketamine_session_id"]:
        return False
    if "shared" in data and stored.shared != data["shared"]:
        return False
    return stored.body == data["body"]


def _replayed(stored: Item, patient: User, data: dict, same) -> Item:
    return replayed(stored, patient, lambda item: same(item, data))


def _store_new(item: Item, patient: User, data: dict, same) -> tuple[Item, bool]:
    """Insert `item`, or answer as a replay, a 409 or a 410; announce a new one."""
    stored, created = store_once(item, patient, lambda found: same(found, data))
    if created:
        item_created.send(stored)
    return stored, created


def create_checkin(patient: User, data: dict) -> tuple[CheckIn, bool]:
    """Store a check-in; returns `(checkin, created)`.

    The same request again returns the stored check-in (created=False); the
    same id with other content is a 409, a deleted id a 410. A new check-in
    is announced with `signals.item_created` (flags and reminders listen).
    """
    # No query first: a replay is rare (a lost answer), and its insert stores
    # nothing (id taken or buried) and reads what is known instead. A new
    # check-in, the common case, is one statement. Only a row this session
    # already holds is looked at, since the session refuses a second one.
    stored = db.session.identity_map.get(db.session.identity_key(CheckIn, data["id"]))
    if stored is not None and sa_inspect(stored).expired:
        # A rollback expired it: its commit may never have landed (a database
        # restart), so it is no evidence of a stored row. Ask the database.
        db.session.expunge(stored)
        stored = None
    if stored is not None:
        return _replayed(stored, patient, data, _same_checkin), False
    checkin = _new_item(
        CheckIn,
        patient,
        data,
        "recorded_at",
        mood=data["mood"],
        anxiety=data.get("anxiety"),
        energy=data.get("energy"),
        sleep_quality=data.get("sleep_quality"),
        emotions=list(data.get("emotions") or []),
        unsafe=data.get("unsafe", False),
    )
    # After `id`: the note's and tags' ciphertexts are bound to the row id.
    checkin.note = _text_or_none(data.get("note"))
    checkin.tags = list(data.get("tags") or [])
    return _store_new(checkin, patient, data, _same_checkin)


def create_entry(patient: User, data: dict) -> tuple[JournalEntry, bool]:
    """Store a journal entry; returns `(entry, created)`. Idempotent like `create_checkin`.

    Without a `ketamine_session_id` in the request, the entry is linked to
    the patient's latest non-cancelled dosing session before `written_at`.
    """
    refuse_buried(data["id"], JournalEntry.kind, patient)
    stored = db.session.get(JournalEntry, data["id"])
    if stored is not None:
        return _replayed(stored, patient, data, _same_entry), False
    prompt_id = data.get("prompt_id")
    entry = _new_item(JournalEntry, patient, data, "written_at", prompt_id=prompt_id)
    if prompt_id is not None:
        _check_prompt_for(patient, prompt_id)
    if "ketamine_session_id" in data:
        session_id = data["ketamine_session_id"]
        if session_id is not None:
            own_dosing_session(patient, session_id)
    else:
        session_id = _session_before(patient, entry.written_at)
    entry.ketamine_session_id = session_id
    entry.body = data["body"]  # after `id`, which the ciphertext is bound to
    return _store_new(entry, patient, data, _same_entry)


def _session_before(patient: User, at) -> uuid.UUID | None:
    from server.care.queries import latest_dosing_session_before

    session = latest_dosing_session_before(patient.id, at)
    return session.id if session is not None else None


def _check_prompt_for(patient: User, prompt_id: uuid.UUID) -> Prompt:
    prompt = db.session.get(Prompt, prompt_id)
    if prompt is None or prompt.clinic_id != patient.clinic_id:
        abort(422, "No such prompt.", errors={"prompt_id": ["Not a prompt of your clinic."]})
    return prompt


# --- editing and deleting -----------------------------------------------------


def _edit(item: Item, data: dict, apply) -> Item:
    """Apply an edit if `version` is the stored one; a sharing change is audited and,
    newly shared, announced (`sharing_changed`): the rules that read only shared
    check-ins (a mood drop, a sustained low mood) judge it then, as they would have
    when it was written (each cause still flags once).
    """
    was_shared = item.shared
    with versioned_edit(item, data["version"]):
        apply(item, data)
        for name in ("shared", "discuss_next_session"):
            if name in data:
                setattr(item, name, data[name])
    if item.shared != was_shared:
        sharing_changed(item.patient_id, item)
    return item


def _new_item(model: type[Item], patient: User, data: dict, when: str, **columns) -> Item:
    """A new item of `patient` from the request: its id, its time `when` as the device sent
    it, and the patient's sharing default where `shared` was not sent."""
    item = model(
        id=data["id"],
        patient_id=patient.id,
        shared=data.get("shared", patient.share_by_default),
        discuss_next_session=data.get("discuss_next_session", False),
        **columns,
    )
    _set_time(item, when, data[when])
    return item


def _set_time(item: Item, name: str, at) -> None:
    at, device_time = clamp_device_time(at)
    setattr(item, name, at)
    setattr(item, name.replace("_at", "_offset_minutes"), item.offset_minutes(at))
    item.device_time = device_time


def _apply_checkin(item: CheckIn, data: dict) -> None:
    if "recorded_at" in data:
        _set_time(item, "recorded_at", data["recorded_at"])
    for name in ("mood", "anxiety", "energy", "sleep_quality"):
        if name in data:
            setattr(item, name, data[name])
    if "emotions" in data:
        item.emotions = list(data["emotions"] or [])
    if "tags" in data and list(data["tags"] or []) != item.tags:
        item.tags = list(data["tags"] or [])
    if "note" in data:
        note = _text_or_none(data["note"])
        # A fresh ciphertext differs even for the same text: only re-encrypt a change,
        # so an unchanged note neither bumps the version nor rewrites the row.
        if note != item.note:
            item.note = note


def _apply_entry(item: JournalEntry, data: dict) -> None:
    patient = db.session.get(User, item.patient_id)
    if "written_at" in data:
        _set_time(item, "written_at", data["written_at"])
    if "body" in data and data["body"] != item.body:
        item.body = data["body"]
    if "prompt_id" in data:
        if data["prompt_id"] is not None:
            _check_prompt_for(patient, data["prompt_id"])
        item.prompt_id = data["prompt_id"]
    if "ketamine_session_id" in data:
        if data["ketamine_session_id"] is not None:
            own_dosing_session(patient, data["ketamine_session_id"])
        item.ketamine_session_id = data["ketamine_session_id"]


def update_checkin(checkin: CheckIn, data: dict) -> CheckIn:
    """Edit a check-in; `data["version"]` must be the stored version (else 409, nothing written).

    Each real change bumps the version. A change of `shared` is audited and
    is what the care team sees from the next request on.
    """
    return _edit(checkin, data, _apply_checkin)


def update_entry(entry: JournalEntry, data: dict) -> JournalEntry:
    """Edit a journal entry; like `update_checkin`."""
    return _edit(entry, data, _apply_entry)


def delete_item(item: Item) -> None:
    """Delete a check-in or entry for good, leaving its tombstone; audited without content."""
    record("item_deleted", patient_id=item.patient_id, object_type=item.kind, object_id=item.id)
    bury(item)
