"""Who is calling: cookie sessions, bearer tokens, idle timeouts and CSRF.

A cookie session names a `LoginSession` row, so the server can end one
session (logout) or all of a user's sessions (password change) at once.
Unsafe cookie-authenticated requests need the CSRF token in `X-CSRF-Token`
and a same-origin `Origin` (or `Referer`). Bearer requests cannot be forged
cross-site and skip the CSRF check.

A therapist or admin who has not confirmed TOTP yet is signed in for
enrolment only: every other API answers 403 `/problems/totp-enrolment-required`,
so a password alone never reaches patient data.
"""

import hmac
import secrets
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request, session
from flask_login import current_user, logout_user
from sqlalchemy import bindparam, select, update

from server.auth import tokens
from server.auth.models import ApiToken, LoginSession, User
from server.db import utcnow
from server.errors import abort
from server.extensions import db, login_manager

IDLE_SECONDS = {"patient": 30 * 60, "therapist": 15 * 60, "admin": 15 * 60}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: A bearer token's `last_used_at` is rewritten at most this often. It says
#: when a token was last in use (to spot a forgotten or stolen one), which a
#: few minutes' grain answers as well; writing it on every request made each
#: request of a token wait for the previous one's row lock to be released.
TOKEN_USE_GRAIN = timedelta(minutes=5)

# A live token and its user in one statement; built once, compiled once.
_BEARER = (
    select(ApiToken.id, ApiToken.created_at, ApiToken.last_used_at, User)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)
_TOKEN_USED = (
    update(ApiToken.__table__)
    .where(ApiToken.__table__.c.id == bindparam("token_id"))
    .values(last_used_at=bindparam("now"))
)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        user_uuid, session_uuid = uuid.UUID(user_id), uuid.UUID(session.get("sid", ""))
    except ValueError:
        return None
    user = db.session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == user_uuid, LoginSession.id == session_uuid, LoginSession.revoked_at.is_(None)
        )
    )
    if user is not None:
        g.auth_method = "session"
    return user


@login_manager.request_loader
def load_user_from_bearer(req) -> User | None:
    scheme, _, credentials = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        return None
    from server.auth.services import hash_token

    row = db.session.execute(_BEARER, {"token_hash": hash_token(credentials.strip())}).first()
    if row is None:
        return None
    token_id, created_at, last_used_at, user = row
    now = utcnow()
    if tokens.expired(user.role, created_at, last_used_at, now):
        g.bearer_expired = True
        return None
    if last_used_at is None or now - last_used_at >= TOKEN_USE_GRAIN:
        db.session.execute(_TOKEN_USED, {"token_id": token_id, "now": now})
    g.auth_method = "bearer"
    g.api_token_id = token_id
    return user


@login_manager.unauthorized_handler
def unauthorized():
    abort(401, "Sign in to continue.", headers={"WWW-Authenticate": 'Bearer realm="between"'})


def start_session(user: User) -> str:
    """Log `user` in on this cookie session; returns the new CSRF token."""
    from flask_login import login_user

    session.clear()
    session.permanent = True
    login_session = LoginSession(id=uuid.uuid4(), user_id=user.id)
    db.session.add(login_session)
    db.session.flush()
    login_user(user)
    session["sid"] = str(login_session.id)
    now = int(time.time())
    session["started"] = now
    session["seen"] = now
    session["csrf"] = secrets.token_urlsafe(32)
    g.auth_method = "session"
    return session["csrf"]


def end_session() -> None:
    """End this browser session on the server; a copied cookie is worthless after."""
    sid = session.get("sid")
    if sid:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.id == uuid.UUID(sid), LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    logout_user()
    session.clear()


def csrf_token() -> str | None:
    return session.get("csrf") if g.get("auth_method") == "session" else None


def _same_origin(value: str) -> bool:
    parts = urlsplit(value)
    host = urlsplit(request.host_url)
    return (parts.scheme, parts.netloc) == (host.scheme, host.netloc)


def _check_request():
    if not request.path.startswith("/api/"):
        return
    has_bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
    if has_bearer:
        # Resolve the bearer user now, so a cookie cannot stand in for it.
        if not current_user.is_authenticated or g.get("auth_method") != "bearer":
            if g.get("bearer_expired"):
                abort(
                    401,
                    "This token has expired; sign in again for a new one.",
                    type_="/problems/session-expired",
                )
            abort(401, "The bearer token is not valid.")
        return
    if current_user.is_authenticated:
        _enforce_session_lifetime()
    if request.method not in UNSAFE_METHODS:
        return
    # Browsers send Origin on every cross-site POST; native clients send none
    # and hold no cookie to abuse. A cookie session must prove same origin.
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if (origin and not _same_origin(origin)) or (current_user.is_authenticated and not origin):
        abort(403, "Cross-origin request refused.", type_="/problems/csrf")
    if current_user.is_authenticated:
        sent = request.headers.get("X-CSRF-Token", "")
        expected = session.get("csrf", "")
        if not expected or not hmac.compare_digest(sent, expected):
            abort(
                403,
                "Missing or stale CSRF token; fetch /api/v1/auth/me and retry.",
                type_="/problems/csrf",
            )


def _enforce_session_lifetime():
    now = int(time.time())
    idle = IDLE_SECONDS.get(current_user.role, 15 * 60)
    started = session.get("started", 0)
    seen = session.get("seen", 0)
    absolute = current_app.permanent_session_lifetime.total_seconds()
    if now - seen > idle or now - started > absolute:
        end_session()
        # Kept although the request fails (a 401 would otherwise roll it back):
        # the session row must end on the server, not only in this cookie.
        db.session.commit()
        abort(401, "Your session has ended; sign in again.", type_="/problems/session-expired")
    # Refresh the idle clock at most once a minute: each refresh rewrites the cookie.
    if now - seen >= 60:
        session["seen"] = now


# What a therapist or admin without TOTP may do: see who they are, enrol, leave
# (and sign in, or get a token, to do so). Nothing here reads anyone's data.
ENROLMENT_ENDPOINTS = frozenset(
    {
        "auth.login",
        "auth.logout",
        "auth.me",
        "auth.create_token",
        "auth.totp_enrol",
        "auth.totp_confirm",
        "api-docs.openapi_json",
    }
)


def _require_totp_enrolment():
    if (
        not request.path.startswith("/api/")
        or request.routing_exception is not None  # unknown routes stay 404/405
        or not current_user.is_authenticated
        or not current_user.totp_required
        or current_user.totp_enrolled
        or request.endpoint in ENROLMENT_ENDPOINTS
    ):
        return
    abort(
        403,
        "Set up two-step sign-in first: POST /api/v1/auth/totp/enrol, then confirm a code.",
        type_="/problems/totp-enrolment-required",
        title="Two-step sign-in required",
    )


def register(app: Flask) -> None:
    login_manager.session_protection = None  # the session version does the revoking
    app.before_request(_check_request)
    app.before_request(_require_totp_enrolment)
