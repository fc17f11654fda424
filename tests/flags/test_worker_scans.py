"""The flags' scans run in the push worker's loop (`--once` too), and escalation pushes.

Escalation pushes go to the clinic's admins and the care team, with the
same generic words as every urgent push: never who or what.
"""

from datetime import timedelta

from sqlalchemy import select

from server.db import utcnow
from server.extensions import db
from server.flags.escalation import escalate_overdue
from server.flags.models import Flag
from server.push.models import Notification
from server.push.outbox import payload_for
from tests import factories


def test_push_worker_once_raises_missed_check_ins_and_escalates(runner, patient):
    session = factories.ketamine_session(patient, scheduled_at=utcnow() - timedelta(days=4))
    overdue = factories.flag(patient, "phq9_item9", raised_at=utcnow() - timedelta(hours=25))
    result = runner.invoke(args=["push", "worker", "--once"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    missed = db.session.scalar(select(Flag).where(Flag.kind == "missed_checkins"))
    assert missed is not None and missed.source_id == session.id
    assert db.session.get(Flag, overdue.id).escalated_at is not None


def test_escalation_pushes_the_admins_and_the_care_team_once(clinic, therapist, patient):
    admin = factories.user(clinic, "admin")
    colleague = factories.user(clinic, "therapist")  # not on the care team
    for person in (therapist, admin, colleague):
        factories.push_subscription(person)
    flag = factories.flag(patient, "phq9_item9", raised_at=utcnow() - timedelta(days=2))
    escalate_overdue(utcnow())
    escalate_overdue(utcnow())
    db.session.commit()
    pushed = db.session.execute(
        select(Notification.user_id, Notification.kind).where(Notification.cause_id == flag.id)
    ).all()
    assert sorted(str(user_id) for user_id, _ in pushed) == sorted(
        [str(therapist.id), str(admin.id)]
    )
    assert {kind for _, kind in pushed} == {"urgent_flag"}
    words = payload_for("urgent_flag").decode()
    assert patient.display_name not in words and "item" not in words.lower()
