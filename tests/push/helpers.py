"""Helpers shared by the push tests (fixtures are in conftest.py)."""

from sqlalchemy import select

from server.extensions import db
from server.push.models import Notification


def pending(user, kind=None) -> list[Notification]:
    """The user's notifications still to send, soonest first, read afresh."""
    query = select(Notification).where(
        Notification.user_id == user.id, Notification.state == "pending"
    )
    if kind:
        query = query.where(Notification.kind == kind)
    return list(
        db.session.scalars(
            query.order_by(Notification.due_at).execution_options(populate_existing=True)
        )
    )
