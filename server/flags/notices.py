"""A patient leaving does not make a flag vanish: the deletion notice.

When a patient with open flags (or booked sessions) deletes their account,
each therapist on their care team keeps a notice for NOTICE_DAYS, shown in
`GET /flags`: the patient's name as the therapist knew it (encrypted at
rest), that the account was deleted and when, how many open flags of each
kind the therapist could see, and the booked sessions that went with it.
No answers, scores, notes or item ids: nothing that is health data, and
nothing that links back to the deleted account.
"""

import logging
import uuid
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from server.auth.models import CareTeamMember, User
from server.db import utcnow
from server.extensions import db
from server.flags.models import NOTICE_DAYS, DeletionNotice

log = logging.getLogger(__name__)

SESSION_KINDS = ("dosing_session", "integration_session")


def _booked_sessions(patient_id: uuid.UUID, now: datetime) -> list[dict]:
    """The patient's sessions still ahead and not cancelled, soonest first."""
    from server.care.models import DosingSession, IntegrationSession

    booked = []
    for kind, model in zip(SESSION_KINDS, (DosingSession, IntegrationSession), strict=True):
        for (scheduled_at,) in db.session.execute(
            select(model.scheduled_at).where(
                model.patient_id == patient_id,
                model.status != "cancelled",
                model.scheduled_at > now,
            )
        ):
            booked.append({"kind": kind, "scheduled_at": scheduled_at.isoformat()})
    return sorted(booked, key=lambda s: s["scheduled_at"])


def leave_notices(patient: User, now: datetime | None = None) -> list[DeletionNotice]:
    """Write a notice for each therapist of `patient`, if anything was open or booked.

    Runs before the patient's rows are deleted. The open flags counted are
    those the care team could see (a flag from a private check-in is not
    counted, as it was not shown).
    """
    from server.flags.queries import visible_open_kinds

    if patient.role != "patient":
        return []
    now = now or utcnow()
    kinds = Counter(visible_open_kinds(patient.id))
    sessions = _booked_sessions(patient.id, now)
    if not kinds and not sessions:
        return []
    therapists = db.session.scalars(
        select(CareTeamMember.therapist_id).where(CareTeamMember.patient_id == patient.id)
    ).all()
    notices = []
    for therapist_id in therapists:
        notice = DeletionNotice(
            id=uuid.uuid4(),
            therapist_id=therapist_id,
            deleted_at=now,
            open_flags=dict(sorted(kinds.items())),
            sessions=sessions,
        )
        notice.patient_name = patient.display_name or "A patient"
        db.session.add(notice)
        notices.append(notice)
    db.session.flush()
    return notices


def notices_for(therapist: User, now: datetime | None = None) -> list[dict]:
    """The therapist's notices of the last NOTICE_DAYS, newest first; one statement."""
    since = (now or utcnow()) - timedelta(days=NOTICE_DAYS)
    rows = db.session.scalars(
        select(DeletionNotice)
        .where(DeletionNotice.therapist_id == therapist.id, DeletionNotice.deleted_at >= since)
        .order_by(DeletionNotice.deleted_at.desc())
    )
    return [
        {
            "id": n.id,
            "patient_display_name": n.patient_name,
            "account_deleted": True,
            "deleted_at": n.deleted_at,
            "open_flags": [{"kind": k, "count": v} for k, v in n.open_flags.items()],
            "sessions": n.sessions,
        }
        for n in rows
    ]


def sweep(now: datetime) -> int:
    """Delete notices older than NOTICE_DAYS; returns how many went."""
    return db.session.execute(
        delete(DeletionNotice)
        .where(DeletionNotice.deleted_at < now - timedelta(days=NOTICE_DAYS))
        .execution_options(synchronize_session=False)
    ).rowcount


def on_account_deleting(user, **_):
    """Leave the care team a notice that the patient's account and data are gone."""
    # Contained: a failure here must not stop the patient's deletion.
    try:
        with db.session.begin_nested():
            leave_notices(user)
    except Exception as error:
        log.error("flags: deletion notice failed (%s)", type(error).__name__)
