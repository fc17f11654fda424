"""Writing the journal: check-ins, entries, tombstones, the prompt library, assignments.

Functions flush and never commit; the request boundary (or a CLI command)
commits once. Nothing here logs or raises with what a patient wrote.

Idempotency: a patient-created item carries its client-made `id`. Creating
it again with the same content returns the stored item; with different
content it is a 409; after the item was deleted it is a 410 (its tombstone
in `deleted_items` remembers the id). A replay is compared with what is
stored now, field by field, on the fields the request sent; fields it left
out are compared with their defaults, except `shared` (its default is a
setting that may have changed since) and an entry's derived
`ketamine_session_id`.

A new item is stored by one statement, `INSERT ... SELECT ... WHERE NOT
EXISTS (its tombstone) ON CONFLICT (id) DO NOTHING RETURNING id`, on
PostgreSQL and SQLite alike: no savepoint, no query first. Only when it
inserts nothing (a replay, a race lost, a buried id) is anything read.
"""

import json
import uuid
from datetime import timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import bindparam, event, exists, insert, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError

from server.audit.services import record
from server.auth.models import User
from server.db import utcnow
from server.errors import abort
from server.extensions import db
from server.fields import clamp_device_time
from server.flags import services as flags
from server.journal.models import CheckIn, DeletedItem, JournalEntry, Prompt, PromptAssignment
from server.signals import dosing_session_changed, item_created

DEFAULT_PROMPTS_PATH = Path(__file__).with_name("default_prompts.json")

CHECKIN_FIELDS = ("mood", "anxiety", "energy", "sleep_quality", "discuss_next_session", "unsafe")
ENTRY_FIELDS = ("discuss_next_session",)

Item = CheckIn | JournalEntry


# --- tombstones --------------------------------------------------------------


def item_kind(item, kind: str | None = None) -> str:
    """The kind a tombstone records: `item.kind` when the model names one, else its table."""
    return kind or getattr(type(item), "kind", None) or item.__tablename__


def bury(item, kind: str | None = None) -> DeletedItem:
    """Delete a patient's item for good, leaving a tombstone with no content.

    Works for any model with `id` and `patient_id` (measures use it too).
    A replayed create of a buried id is then answered 410 Gone
    (`refuse_buried`) instead of bringing the item back.
    """
    kind = item_kind(item, kind)
    tombstone = db.session.get(DeletedItem, (item.id, kind))
    if tombstone is None:
        tombstone = DeletedItem(id=item.id, kind=kind, patient_id=item.patient_id)
        db.session.add(tombstone)
    db.session.delete(item)
    db.session.flush()
    return tombstone


def tombstone_of(item_id: uuid.UUID, kind: str | None = None) -> DeletedItem | None:
    """The tombstone of a deleted item id (of `kind`, or of any kind)."""
    query = select(DeletedItem).where(DeletedItem.id == item_id)
    if kind is not None:
        query = query.where(DeletedItem.kind == kind)
    return db.session.scalars(query.limit(1)).first()


def is_buried(item_id: uuid.UUID, kind: str | None = None) -> bool:
    """Whether an item with this id was deleted (of `kind`, or of any kind)."""
    return tombstone_of(item_id, kind) is not None


def refuse_buried(item_id: uuid.UUID, kind: str, patient: User) -> None:
    """410 when `patient` deleted this id before; 409 when someone else's item had it."""
    tombstone = tombstone_of(item_id, kind)
    if tombstone is None:
        return
    if tombstone.patient_id == patient.id:
        abort(410, "This item was deleted; it cannot be stored again under the same id.")
    _id_taken()


def _id_taken():
    abort(
        409,
        "A different item was already stored with this id.",
        errors={"id": ["Already used for a different item."]},
    )


# --- creating, with idempotency ---------------------------------------------


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
    if stored.patient_id != patient.id or not same(stored, data):
        _id_taken()
    return stored


_DIALECT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@cache
def _insert_unless_known(model, dialect: str):
    """The statement storing one new `model` row, and its (column, attribute) pairs.

    Inserts nothing when the id is already stored (ON CONFLICT on the
    primary key: a racing twin waits for the first insert's transaction,
    then does nothing) or when the id was buried (its tombstone). Any other
    integrity fault still raises. Built once per model and dialect.
    """
    table = model.__table__
    mapper = inspect(model)
    pairs = [(column, mapper.get_property_by_column(column).key) for column in table.columns]
    params = {column.name: bindparam(column.name, type_=column.type) for column, _ in pairs}
    buried = exists().where(DeletedItem.id == params["id"], DeletedItem.kind == model.kind)
    statement = (
        _DIALECT_INSERTS[dialect](table)
        .from_select(list(params), select(*params.values()).where(~buried))
        .on_conflict_do_nothing(index_elements=[table.c.id])
        .returning(table.c.id)
    )
    return statement, pairs


def _insert(model, item: Item) -> bool:
    """Store `item` unless its id is known (stored or buried); True if it was stored.

    The item then is what a query would have loaded: persistent in the
    session, every column set (Python-side defaults applied here).
    """
    statement, pairs = _insert_unless_known(model, db.session.get_bind().dialect.name)
    values = {}
    for column, key in pairs:
        value = getattr(item, key)
        if value is None and column.default is not None:
            default = column.default
            value = default.arg(None) if default.is_callable else default.arg
            setattr(item, key, value)
        values[column.name] = value
    if db.session.execute(statement, values).first() is None:
        return False
    make_transient_to_detached(item)
    db.session.add(item)
    return True


def _store_new(model, item: Item, patient: User, data: dict, same) -> tuple[Item, bool]:
    """Insert `item`; if its id is known, answer as a replay, a 409 or a 410."""
    if not _insert(model, item):
        # A replay, or two identical requests raced and the other stored it first.
        stored = db.session.scalar(
            select(model).where(model.id == item.id).execution_options(populate_existing=True)
        )
        if stored is None:
            refuse_buried(item.id, model.kind, patient)
            # Neither stored nor buried, yet not inserted: a genuine fault (500).
            raise RuntimeError(f"{model.__name__} insert stored nothing")
        return _replayed(stored, patient, data, same), False
    item_created.send(item)
    return item, True


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
    if stored is not None:
        return _replayed(stored, patient, data, _same_checkin), False
    recorded_at, device_time = clamp_device_time(data["recorded_at"])
    checkin = CheckIn(
        id=data["id"],
        patient_id=patient.id,
        recorded_at=recorded_at,
        recorded_offset_minutes=CheckIn.offset_minutes(recorded_at),
        device_time=device_time,
        mood=data["mood"],
        anxiety=data.get("anxiety"),
        energy=data.get("energy"),
        sleep_quality=data.get("sleep_quality"),
        emotions=list(data.get("emotions") or []),
        shared=data.get("shared", patient.share_by_default),
        discuss_next_session=data.get("discuss_next_session", False),
        unsafe=data.get("unsafe", False),
    )
    # After `id`: the note's and tags' ciphertexts are bound to the row id.
    checkin.note = _text_or_none(data.get("note"))
    checkin.tags = list(data.get("tags") or [])
    stored, created = _store_new(CheckIn, checkin, patient, data, _same_checkin)
    if stored.unsafe:
        # Like a PHQ-9 safety answer: the care team is told even when it is
        # private (the flag names no content). Raised once per check-in, also
        # when a replay finds the first request's flag missing.
        # While such a flag is open, another one updates it (no new push).
        flags.raise_or_repeat(
            "unsafe_checkin",
            patient_id=patient.id,
            clinic_id=patient.clinic_id,
            dedupe_key=f"unsafe_checkin:{stored.id}",
            source_type="checkin",
            source_id=stored.id,
            source_at=stored.recorded_at,
        )
    return stored, created


def create_entry(patient: User, data: dict) -> tuple[JournalEntry, bool]:
    """Store a journal entry; returns `(entry, created)`. Idempotent like `create_checkin`.

    Without a `ketamine_session_id` in the request, the entry is linked to
    the patient's latest non-cancelled dosing session before `written_at`.
    """
    refuse_buried(data["id"], JournalEntry.kind, patient)
    stored = db.session.get(JournalEntry, data["id"])
    if stored is not None:
        return _replayed(stored, patient, data, _same_entry), False
    written_at, device_time = clamp_device_time(data["written_at"])
    prompt_id = data.get("prompt_id")
    if prompt_id is not None:
        _check_prompt_for(patient, prompt_id)
    if "ketamine_session_id" in data:
        session_id = data["ketamine_session_id"]
        if session_id is not None:
            _check_dosing_session(patient, session_id)
    else:
        session_id = _session_before(patient, written_at)
    entry = JournalEntry(
        id=data["id"],
        patient_id=patient.id,
        written_at=written_at,
        written_offset_minutes=JournalEntry.offset_minutes(written_at),
        device_time=device_time,
        prompt_id=prompt_id,
        ketamine_session_id=session_id,
        shared=data.get("shared", patient.share_by_default),
        discuss_next_session=data.get("discuss_next_session", False),
    )
    entry.body = data["body"]  # after `id`, which the ciphertext is bound to
    return _store_new(JournalEntry, entry, patient, data, _same_entry)


def _session_before(patient: User, at) -> uuid.UUID | None:
    from server.care.queries import latest_dosing_session_before

    session = latest_dosing_session_before(patient.id, at)
    return session.id if session is not None else None


def _check_dosing_session(patient: User, session_id: uuid.UUID):
    from server.care.models import DosingSession

    session = db.session.get(DosingSession, session_id)
    if session is None or session.patient_id != patient.id:
        abort(
            422,
            "No such dosing session.",
            errors={"ketamine_session_id": ["Not one of your dosing sessions."]},
        )
    return session


def _check_prompt_for(patient: User, prompt_id: uuid.UUID) -> Prompt:
    prompt = db.session.get(Prompt, prompt_id)
    if prompt is None or prompt.clinic_id != patient.clinic_id:
        abort(422, "No such prompt.", errors={"prompt_id": ["Not a prompt of your clinic."]})
    return prompt


# --- editing and deleting -----------------------------------------------------


def _stale():
    abort(
        409,
        "This item was changed elsewhere; reload it and try again.",
        errors={"version": ["Stale."]},
    )


def _edit(item: Item, data: dict, apply) -> Item:
    """Apply an edit if `version` is the stored one; audit a sharing change."""
    if data["version"] != item.version:
        _stale()
    was_shared = item.shared
    apply(item, data)
    for name in ("shared", "discuss_next_session"):
        if name in data:
            setattr(item, name, data[name])
    try:
        db.session.flush()
    except StaleDataError:
        # Another edit won the race after our version check; the boundary rolls back.
        _stale()
    if item.shared != was_shared:
        record(
            "sharing_changed",
            patient_id=item.patient_id,
            object_type=item.kind,
            object_id=item.id,
        )
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
            _check_dosing_session(patient, data["ketamine_session_id"])
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


# --- the prompt library --------------------------------------------------------


@cache
def default_prompts() -> tuple[dict, ...]:
    """The built-in library from `default_prompts.json`: key, text, phases, theme."""
    document = json.loads(DEFAULT_PROMPTS_PATH.read_text(encoding="utf-8"))
    return tuple(document["prompts"])


def default_prompt_id(clinic_id: uuid.UUID, key: str) -> uuid.UUID:
    # Derived, not random: two requests copying the library at once make the
    # same ids, so the second copy collides and is dropped instead of doubling it.
    return uuid.uuid5(clinic_id, key)


def ensure_clinic_library(clinic_id: uuid.UUID) -> None:
    """Give a clinic its copy of the built-in library the first time it is used.

    A clinic that has any copied prompt (even switched off) keeps what it
    has: therapists' edits are never overwritten.
    """
    if clinic_id in _LIBRARY_COMMITTED:
        return
    copied = select(exists().where(Prompt.clinic_id == clinic_id, Prompt.default_key.is_not(None)))
    if db.session.scalar(copied):
        _library_seen(clinic_id)
        return
    now = utcnow()
    rows = [
        {
            "id": default_prompt_id(clinic_id, prompt["key"]),
            "clinic_id": clinic_id,
            "default_key": prompt["key"],
            "text": prompt["text"],
            "phases": list(prompt["phases"]),
            "theme": prompt["theme"],
            "active": True,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for prompt in default_prompts()
    ]
    try:
        with db.session.begin_nested():
            db.session.execute(insert(Prompt), rows)
    except IntegrityError:
        pass  # another request copied the library first; its copy is the same
    _library_seen(clinic_id)


# Clinics whose copy of the library is committed, so that the prompts a
# patient opens every day skip the EXISTS above. Copied prompts are never
# deleted (only switched off; they go with their clinic), so a clinic once
# seen with its copy keeps it. A clinic is remembered only once the
# transaction that saw or made its copy has committed: a copy rolled back
# must be made again.
_LIBRARY_COMMITTED: set[uuid.UUID] = set()
_LIBRARY_SEEN = "between.journal.libraries_seen"


def _library_seen(clinic_id: uuid.UUID) -> None:
    db.session().info.setdefault(_LIBRARY_SEEN, set()).add(clinic_id)


@event.listens_for(Session, "after_commit")
def _remember_committed_libraries(session):
    _LIBRARY_COMMITTED.update(session.info.pop(_LIBRARY_SEEN, ()))


@event.listens_for(Session, "after_soft_rollback")
def _forget_uncommitted_libraries(session, _previous_transaction):
    session.info.pop(_LIBRARY_SEEN, None)


def create_prompt(therapist: User, data: dict) -> Prompt:
    """Add a prompt to the therapist's clinic library."""
    ensure_clinic_library(therapist.clinic_id)
    prompt = Prompt(
        id=uuid.uuid4(),
        clinic_id=therapist.clinic_id,
        text=data["text"].strip(),
        phases=list(data["phases"]),
        theme=data["theme"],
        active=data["active"],
        created_by_id=therapist.id,
    )
    db.session.add(prompt)
    db.session.flush()
    return prompt


def update_prompt(prompt: Prompt, data: dict) -> Prompt:
    """Edit a prompt's text, phases, theme or `active`; a stale `version` is a 409."""
    if data["version"] != prompt.version:
        _stale()
    if "text" in data:
        prompt.text = data["text"].strip()
    if "phases" in data:
        prompt.phases = list(data["phases"])
    for name in ("theme", "active"):
        if name in data:
            setattr(prompt, name, data[name])
    try:
        db.session.flush()
    except StaleDataError:
        _stale()
    return prompt


def assign_prompts(
    therapist: User,
    patient: User,
    prompt_ids: list[uuid.UUID],
    *,
    ketamine_session_id: uuid.UUID | None = None,
    offset_hours: int | None = None,
) -> list[PromptAssignment]:
    """Ask `patient` to answer prompts: from now, or `offset_hours` after a dosing session.

    The prompts must be active ones of the clinic's library and the session
    one of the patient's, not cancelled; otherwise a 422 naming the field.
    """
    ensure_clinic_library(patient.clinic_id)
    found = {
        prompt.id: prompt
        for prompt in db.session.scalars(
            select(Prompt).where(Prompt.id.in_(prompt_ids), Prompt.clinic_id == patient.clinic_id)
        )
    }
    errors = {}
    for index, prompt_id in enumerate(prompt_ids):
        prompt = found.get(prompt_id)
        if prompt is None:
            errors[f"prompt_ids.{index}"] = ["Not a prompt of your clinic's library."]
        elif not prompt.active:
            errors[f"prompt_ids.{index}"] = ["This prompt is switched off."]
    session = None
    if ketamine_session_id is not None:
        from server.care.models import DosingSession

        session = db.session.get(DosingSession, ketamine_session_id)
        if session is None or session.patient_id != patient.id:
            errors["ketamine_session_id"] = ["Not one of this patient's dosing sessions."]
        elif session.status == "cancelled":
            errors["ketamine_session_id"] = ["This dosing session is cancelled."]
    if errors:
        abort(422, "Some prompts cannot be assigned; see errors.", errors=errors)
    offset = offset_hours or 0
    due_at = session.scheduled_at + timedelta(hours=offset) if session else utcnow()
    assignments = [
        PromptAssignment(
            id=uuid.uuid4(),
            patient_id=patient.id,
            prompt_id=prompt_id,
            assigned_by_id=therapist.id,
            ketamine_session_id=session.id if session else None,
            offset_hours=offset if session else None,
            due_at=due_at,
        )
        for prompt_id in prompt_ids
    ]
    db.session.add_all(assignments)
    db.session.flush()
    return assignments


def init_app(app) -> None:
    """Connect the journal's receivers (idempotent: blinker keeps one connection each)."""
    dosing_session_changed.connect(_follow_session)


def _follow_session(session, **_):
    """Moving a dosing session moves the prompts due relative to it; cancelling holds them."""
    assignments = db.session.scalars(
        select(PromptAssignment).where(PromptAssignment.ketamine_session_id == session.id)
    )
    for assignment in assignments:
        if session.status == "cancelled":
            assignment.due_at = None
        else:
            assignment.due_at = session.scheduled_at + timedelta(hours=assignment.offset_hours or 0)
    db.session.flush()
