"""How long a bearer token lives: an idle limit and an absolute lifetime.

Both are configuration per role (`TOKEN_IDLE_HOURS`, `TOKEN_LIFETIME_HOURS`),
staff shorter than patients. Use moves the idle limit on (the bearer loader
rewrites `last_used_at`, at most every few minutes); nothing moves the
absolute one. An expired token is refused like a revoked one; its owner
signs in again for a new one.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from server.auth.models import ApiToken, User
from server.db import utcnow
from server.extensions import db


def _hours(name: str, role: str) -> timedelta:
    table = current_app.config[name]
    return timedelta(hours=table.get(role, min(table.values())))


def lifetime_ends_at(role: str, created_at: datetime) -> datetime:
    return created_at + _hours("TOKEN_LIFETIME_HOURS", role)


def expires_at(role: str, created_at: datetime, last_used_at: datetime | None) -> datetime:
    """When the token stops working unless it is used before then."""
    idle_ends = (last_used_at or created_at) + _hours("TOKEN_IDLE_HOURS", role)
    return min(idle_ends, lifetime_ends_at(role, created_at))


def expired(role: str, created_at: datetime, last_used_at: datetime | None, now=None) -> bool:
    return (now or utcnow()) >= expires_at(role, created_at, last_used_at)


def describe(token: ApiToken, role: str) -> dict:
    return {
        "expires_at": expires_at(role, token.created_at, token.last_used_at),
        "lifetime_ends_at": lifetime_ends_at(role, token.created_at),
    }


def live_tokens(user: User, current_id=None) -> list[dict]:
    """`user`'s tokens that still work, newest first (one statement)."""
    rows = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id)
    ).all()
    now = utcnow()
    return [
        {
            "id": token.id,
            "name": token.name,
            "created_at": token.created_at,
            "last_used_at": token.last_used_at,
            **describe(token, user.role),
            "current": token.id == current_id,
        }
        for token in rows
        if not expired(user.role, token.created_at, token.last_used_at, now)
    ]
