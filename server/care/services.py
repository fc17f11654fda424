"""Scheduling: create, move, cancel and complete dosing and integration sessions.

Functions flush and never commit; the request commits. Every stored change
to a dosing session is announced with `dosing_session_changed`, so the
push feature can reschedule or drop the reminders around it.
"""

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError

from server.auth.models import User
from server.care import conflicts, follows
from server.care.models import DosingSession, IntegrationSession
from server.db import utcnow, versioned_edit
from server.errors import abort
from server.extensions import db
from server.signals import dosing_session_changed

KETAMINE_FIELDS = ("scheduled_at", "route", "dose_mg", "setting", "status")
INTEGRATION_FIELDS = ("scheduled_at", "duration_minutes", "status")

Session = DosingSession | IntegrationSession


def session_of(model: type[Session], patient: User, session_id: uuid.UUID) -> Session:
    """A session of `patient`; one that is missing or another patient's is 404."""
    session = db.session.get(model, session_id)
    if session is None or session.patient_id != patient.id:
        abort(404, "No such session.")
    return session


def create_dosing_session(
    patient: User, by: User, data: dict[str, Any]
) -> tuple[DosingSession, bool]:
    """Book (or record) a dosing session for `patient`; returns it and whether it is new.

    With a client-made `id`, a replay of the same request returns the stored
    session (created False); the same id with other values is 409. A booking
    that clashes with another session is 409 unless `confirm_overlap`
    (`server.care.conflicts`).
    """
    values = _normalised({name: data[name] for name in KETAMINE_FIELDS})
    session, created = _create_once(DosingSession, patient, values, data, created_by_id=by.id)
    if created:
        dosing_session_changed.send(session)
    return session, created


def change_dosing_session(
    session: DosingSession, changes: dict[str, Any], patient: User | None = None
) -> tuple[DosingSession, bool]:
    """Move, edit, cancel or complete a dosing session; returns it and whether it changed.

    `changes["version"]` must be the stored version (409 otherwise, and
    nothing is written); a real change bumps it and is announced. Given the
    `patient`, a move into a clash is 409 unless `changes["confirm_overlap"]`.
    """
    changed = _change(session, changes, KETAMINE_FIELDS, patient)
    if changed:
        dosing_session_changed.send(session)
    return session, changed


def create_integration_session(
    patient: User, therapist: User, data: dict[str, Any]
) -> tuple[IntegrationSession, bool]:
    """Book an integration session of `therapist` with `patient`; idempotent like dosing ones.

    `follows_ketamine_session_ids` links the dosing sessions it follows
    (`server.care.follows`); a replay must name the same ones.
    """
    values = {name: data[name] for name in INTEGRATION_FIELDS}
    followed = data.get(follows.FIELD) or []
    session, created = _create_once(
        IntegrationSession, patient, values, data, therapist_id=therapist.id
    )
    if created:
        session.follows = follows.doses_followed(patient, followed, session.scheduled_at)
        db.session.flush()
    elif set(follows.follows_ids(session)) != set(followed):
        _id_reused()
    return session, created


def change_integration_session(
    session: IntegrationSession, changes: dict[str, Any], patient: User | None = None
) -> tuple[IntegrationSession, bool]:
    """Move, resize, cancel or complete an integration session (versioned like dosing ones).

    Given `follows_ketamine_session_ids`, the links are replaced (checked
    against the session's new time); a move before a linked dose is 422.
    """
    changed = _change(session, changes, INTEGRATION_FIELDS, patient)
    if follows.FIELD in changes and patient is not None:
        doses = follows.doses_followed(patient, changes[follows.FIELD], session.scheduled_at)
        if {dose.id for dose in doses} != set(follows.follows_ids(session)):
            session.follows = doses
            if not changed:
                # The links live in their own table: touch the row so the version moves on.
                session.updated_at = utcnow()
            db.session.flush()
            changed = True
    elif changed:
        follows.check_still_before(session, session.scheduled_at)
    return session, changed


def _moves(session: Session, updates: dict[str, Any]) -> bool:
    # A new time or length, or a cancelled session booked again, can clash.
    rebooked = session.status == "cancelled" and "status" in updates
    return bool({"scheduled_at", "duration_minutes"} & updates.keys()) or rebooked


def _normalised(values: dict[str, Any]) -> dict[str, Any]:
    # The column keeps two decimals; rounding first means a replayed request
    # compares equal to what was stored, on every database.
    if values.get("dose_mg") is not None:
        values["dose_mg"] = round(values["dose_mg"], 2)
    return values


def _check_completion(status: str, scheduled_at, field: str) -> None:
    if status == "completed" and scheduled_at > utcnow():
        abort(
            422,
            "A session can be marked completed once its time has come.",
            errors={field: ["Not before the session's time."]},
        )


def _create_once(model, patient: User, values: dict, data: dict[str, Any], **extra):
    # A booking's `id` (optional) and `confirm_overlap` are the request's; `values` its columns.
    _check_completion(values["status"], values["scheduled_at"], "status")
    item_id = data.get("id")
    # Held first, so a replay racing its original finds the original stored.
    conflicts.hold_schedule(patient)
    if item_id is not None:
        stored = db.session.get(model, item_id, populate_existing=True)
        if stored is not None:
            # Before the clash check: the stored session would clash with its own replay.
            return _replayed(stored, patient, values), False
    booking = conflicts.span(model, values["scheduled_at"], values.get("duration_minutes"))
    conflicts.check(patient, booking, confirmed=data.get("confirm_overlap", False))
    item = model(id=item_id or uuid.uuid4(), patient_id=patient.id, **values, **extra)
    try:
        # A savepoint, so that losing a race against an identical request
        # undoes only this insert and the stored row can be returned.
        with db.session.begin_nested():
            db.session.add(item)
    except IntegrityError:
        stored = db.session.get(model, item_id, populate_existing=True) if item_id else None
        if stored is None:
            raise
        return _replayed(stored, patient, values), False
    return item, True


def _replayed(stored: Session, patient: User, values: dict) -> Session:
    if stored.patient_id != patient.id or any(
        getattr(stored, name) != value for name, value in values.items()
    ):
        _id_reused()
    return stored


def _id_reused():
    abort(
        409,
        "This id belongs to a different session.",
        errors={"id": ["Already used with other values."]},
    )


def _change(
    session: Session, changes: dict[str, Any], names: tuple[str, ...], patient: User | None
) -> bool:
    with versioned_edit(session, changes["version"], "The session"):
        values = _normalised({name: changes[name] for name in names if name in changes})
        status = values.get("status", session.status)
        scheduled_at = values.get("scheduled_at", session.scheduled_at)
        field = "status" if "status" in values else "scheduled_at"
        _check_completion(status, scheduled_at, field)
        updates = {name: value for name, value in values.items() if getattr(session, name) != value}
        if patient is not None and status != "cancelled" and updates and _moves(session, updates):
            booking = conflicts.span(
                type(session),
                scheduled_at,
                values.get("duration_minutes", getattr(session, "duration_minutes", None)),
                id=session.id,
            )
            conflicts.hold_schedule(patient)
            conflicts.check(patient, booking, confirmed=changes.get("confirm_overlap", False))
        for name, value in updates.items():
            setattr(session, name, value)
    return bool(updates)


def own_dosing_session(patient: User, session_id: uuid.UUID) -> DosingSession:
    """One of `patient`'s dosing sessions; 422 naming `ketamine_session_id` otherwise."""
    session = db.session.get(DosingSession, session_id)
    if session is None or session.patient_id != patient.id:
        abort(
            422,
            "No such dosing session.",
            errors={"ketamine_session_id": ["Not one of your dosing sessions."]},
        )
    return session
