"""Writing the patient's companion items: intentions, reflections, the check after a dose.

Each carries a client-made id. The same request again returns the stored
item (created False); the same id with other content is a 409; a second
intention or check for the same dosing session is a 409 naming
`ketamine_session_id`. Two racing twins store one row: the loser's insert
fails on the primary key inside a savepoint and it answers as a replay.
Functions flush and never commit.
"""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from server.auth.models import User
from server.care.models import DosingSession
from server.care.services import own_dosing_session
from server.companion import after_dose
from server.companion.models import AfterDoseCheck, Intention, IntentionReflection
from server.db import utcnow, versioned_edit
from server.errors import abort, stale
from server.extensions import db
from server.items import replayed
from server.signals import item_created


def _store_once(model, item, patient: User, same, session_field: str | None):
    """Insert `item`; a known id answers as a replay (or 409), a taken session as a 409."""
    try:
        with db.session.begin_nested():
            db.session.add(item)
    except IntegrityError:
        stored = db.session.get(model, item.id, populate_existing=True)
        if stored is not None:
            return replayed(stored, patient, same), False
        if session_field is not None:
            abort(
                409,
                "There is already one for this dosing session; change that one instead.",
                errors={session_field: ["Already has one."]},
            )
        raise
    return item, True


def _offset(at) -> int:
    return int(at.utcoffset().total_seconds() // 60)


def _written(model, patient: User, data: dict, **link):
    """A new intention or reflection: the words, when, and sharing as the patient chose."""
    written_at = data.get("written_at") or utcnow()
    item = model(
        id=data["id"],
        patient_id=patient.id,
        written_at=written_at,
        written_offset_minutes=_offset(written_at),
        shared=data.get("shared", patient.share_by_default),
        discuss_next_session=data.get("discuss_next_session", False),
        version=1,
        **link,
    )
    # After `id`: the body's ciphertext is bound to the row id.
    item.body = data["body"]
    return item


def _same_writing(stored, data: dict, link_field: str) -> bool:
    """A replay: the same link and words, and the same sharing if it says one."""
    return (
        getattr(stored, link_field) == data[link_field]
        and stored.body == data["body"]
        and ("shared" not in data or stored.shared == data["shared"])
    )


# -- intentions --------------------------------------------------------------------------------


def create_intention(patient: User, data: dict) -> tuple[Intention, bool]:
    """Store the intention for one of the patient's dosing sessions; idempotent."""
    stored = db.session.get(Intention, data["id"])
    if stored is not None:
        return replayed(stored, patient, lambda row: _same_intention(row, data)), False
    session = own_dosing_session(patient, data["ketamine_session_id"])
    intention = _written(Intention, patient, data, ketamine_session_id=session.id)
    return _store_once(
        Intention,
        intention,
        patient,
        lambda row: _same_intention(row, data),
        "ketamine_session_id",
    )


def _same_intention(stored: Intention, data: dict) -> bool:
    return _same_writing(stored, data, "ketamine_session_id")


def update_intention(intention: Intention, data: dict) -> Intention:
    """Change an intention's words or sharing; a stale `version` changes nothing."""
    if data["version"] != intention.version:
        stale("This intention")
    if "body" in data:
        intention.body = data["body"]
    for name in ("shared", "discuss_next_session"):
        if name in data:
            setattr(intention, name, data[name])
    intention.updated_at = utcnow()
    db.session.flush()
    return intention


# -- reflections -------------------------------------------------------------------------------


def share(item, data: dict):
    """Share a reflection or a check after a dose, or make it private; a stale
    `version` changes nothing."""
    with versioned_edit(item, data["version"]):
        item.shared = data["shared"]
        item.updated_at = utcnow()
    return item


def create_reflection(patient: User, data: dict) -> tuple[IntentionReflection, bool]:
    """Store what the patient wrote back about one of their intentions; idempotent."""
    stored = db.session.get(IntentionReflection, data["id"])
    if stored is not None:
        return replayed(stored, patient, lambda row: _same_reflection(row, data)), False
    intention = db.session.get(Intention, data["intention_id"])
    if intention is None or intention.patient_id != patient.id:
        abort(422, "No such intention.", errors={"intention_id": ["Not one of your intentions."]})
    reflection = _written(IntentionReflection, patient, data, intention_id=intention.id)
    return _store_once(
        IntentionReflection, reflection, patient, lambda row: _same_reflection(row, data), None
    )


def _same_reflection(stored: IntentionReflection, data: dict) -> bool:
    return _same_writing(stored, data, "intention_id")


# -- the check after a dose ----------------------------------------------------------------------


def doses_up_to(session: DosingSession) -> int:
    """How many non-cancelled doses the patient has had up to and including `session`."""
    return db.session.scalar(
        select(func.count())
        .select_from(DosingSession)
        .where(
            DosingSession.patient_id == session.patient_id,
            DosingSession.status != "cancelled",
            DosingSession.scheduled_at <= session.scheduled_at,
        )
    )


def create_after_dose_check(patient: User, data: dict) -> tuple[AfterDoseCheck, bool]:
    """Store the check after a dose and judge it; idempotent.

    A new check is announced with `signals.item_created`: red answers raise
    an urgent flag whether or not the check is shared, the
    repeated-urinary-symptoms warning only for shared checks
    (`server.flags.receivers.check_after_dose`).
    """
    answers = data["answers"]
    stored = db.session.get(AfterDoseCheck, data["id"])
    if stored is not None:
        return replayed(stored, patient, lambda row: _same_check(row, data)), False
    session = own_dosing_session(patient, data["ketamine_session_id"])
    if session.status == "cancelled":
        abort(
            422,
            "This dosing session was cancelled.",
            errors={"ketamine_session_id": ["Cancelled."]},
        )
    answered_at = data.get("answered_at") or utcnow()
    if answered_at < session.scheduled_at:
        abort(
            422,
            "The check after a dose is answered after the dose.",
            errors={"answered_at": ["Before the dosing session."]},
        )
    alerts = after_dose.assess(answers, doses_up_to(session))
    check = AfterDoseCheck(
        id=data["id"],
        patient_id=patient.id,
        ketamine_session_id=session.id,
        answered_at=answered_at,
        answered_offset_minutes=_offset(answered_at),
        answers=answers,
        alerts=alerts,
        red=after_dose.is_red(alerts),
        shared=data.get("shared", patient.share_by_default),
        discuss_next_session=data.get("discuss_next_session", False),
        version=1,
    )
    check, created = _store_once(
        AfterDoseCheck, check, patient, lambda row: _same_check(row, data), "ketamine_session_id"
    )
    if created:
        item_created.send(check)  # the flags feature judges it
        _cancel_reminder(check)
    return check, created


def _cancel_reminder(check: AfterDoseCheck) -> None:
    """Answered before its reminder went out (quiet hours held it): no reminder."""
    from server.push.outbox import DONE, cancel_by_key_prefix

    cancel_by_key_prefix(check.patient_id, f"after_dose:{check.ketamine_session_id}:", reason=DONE)


def _same_check(stored: AfterDoseCheck, data: dict) -> bool:
    return (
        stored.ketamine_session_id == data["ketamine_session_id"]
        and stored.answers == data["answers"]
        and ("shared" not in data or stored.shared == data["shared"])
    )
