"""Pending invitations: list, revoke, re-issue. Only the token's hash is ever stored.

A therapist sees and manages the invitations they made; an admin, all of
their clinic's. An invitation already accepted, or anyone else's, is a 404.
"""

import secrets
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from server.auth.models import Invite, User
from server.auth.services import hash_token
from server.db import utcnow
from server.errors import abort
from server.extensions import db

NO_INVITE = "No such pending invitation."


def _mine(caller: User):
    statement = select(Invite).where(
        Invite.clinic_id == caller.clinic_id, Invite.accepted_at.is_(None)
    )
    if caller.role != "admin":
        statement = statement.where(Invite.invited_by_id == caller.id)
    return statement


def pending(caller: User) -> list[Invite]:
    """Invitations not yet accepted (expired ones too, so they can be re-issued); newest first."""
    return list(
        db.session.scalars(_mine(caller).order_by(Invite.created_at.desc(), Invite.id.desc()))
    )


def find(caller: User, invite_id: uuid.UUID) -> Invite:
    invite = db.session.scalar(_mine(caller).where(Invite.id == invite_id))
    if invite is None:
        abort(404, NO_INVITE)
    return invite


def revoke(invite: Invite) -> None:
    """The link stops working at once: the invitation is gone."""
    db.session.delete(invite)
    db.session.flush()


def reissue(invite: Invite) -> str:
    """A new token and a new expiry; the old link no longer opens anything. Returns the token."""
    clear = secrets.token_urlsafe(32)
    invite.token_hash = hash_token(clear)
    invite.expires_at = utcnow() + timedelta(hours=current_app.config["INVITE_LIFETIME_HOURS"])
    db.session.flush()
    return clear
