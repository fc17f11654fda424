"""Auth, invites and the caller's own settings. Views stay thin."""

from flask import current_app, request, url_for
from flask_login import current_user
from flask_smorest import Blueprint

from server import access
from server.audit.services import record
from server.auth import services
from server.auth.schemas import (
    InviteAcceptSchema,
    InviteInfoSchema,
    InviteRequestSchema,
    InviteSchema,
    LoginSchema,
    MeSchema,
    PasswordChangeSchema,
    SettingsSchema,
    TokenRequestSchema,
    TokenSchema,
)
from server.auth.sessions import csrf_token, end_session, start_session
from server.clinics.models import Clinic
from server.errors import abort
from server.extensions import db, limiter
from server.signals import settings_changed

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Accounts and sessions")


def _login_email_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return "account:" + services.normalise_email(email) if isinstance(email, str) else "account:?"


def _failed(response) -> bool:
    return response.status_code == 401


def _login_limits(view):
    """At most N failed logins per address and per account in 15 minutes."""
    limit = lambda: current_app.config["LOGIN_FAILURE_LIMIT"]  # noqa: E731
    view = limiter.limit(limit, deduct_when=_failed, scope="login-address")(view)
    return limiter.limit(
        limit, key_func=_login_email_key, deduct_when=_failed, scope="login-account"
    )(view)


def _me(user):
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "display_name": user.display_name,
        "clinic_id": user.clinic_id,
        "time_zone": user.time_zone,
        "share_by_default": user.share_by_default,
        "csrf_token": csrf_token(),
    }


def _credentials_user(data):
    user = services.authenticate(data["email"], data["password"])
    if user is None:
        record("login_failed", clinic_id=None)
        db.session.commit()  # the failure is kept even though the request fails
        abort(401, "The email or password is not right.")
    return user


@blp.route("/auth/login", methods=["POST"])
@_login_limits
@blp.arguments(LoginSchema)
@blp.response(200, MeSchema)
def login(data):
    """Sign in with a cookie session; the answer includes the CSRF token."""
    user = _credentials_user(data)
    start_session(user)
    record("login", actor=user)
    return _me(user)


@blp.route("/auth/logout", methods=["POST"])
@blp.response(204)
def logout():
    """End this session; the server forgets it at once."""
    if current_user.is_authenticated:
        record("logout")
    end_session()


@blp.route("/auth/me")
@access.signed_in
@blp.response(200, MeSchema)
def me():
    """Who I am, with the CSRF token for unsafe requests."""
    return _me(current_user)


@blp.route("/auth/password", methods=["POST"])
@access.signed_in
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
def change_password(data):
    """Change my password; every other session and token of mine ends."""
    services.change_password(current_user, data["current_password"], data["new_password"])
    record("password_changed")
    start_session(current_user)


@blp.route("/auth/tokens", methods=["POST"])
@_login_limits
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
def create_token(data):
    """A bearer token for a native client (shown once)."""
    user = _credentials_user(data)
    token, clear = services.issue_token(user, data["name"])
    record("token_created", actor=user, object_type="api_token", object_id=token.id)
    return {"id": token.id, "name": token.name, "created_at": token.created_at, "token": clear}


@blp.route("/auth/tokens/<uuid:token_id>", methods=["DELETE"])
@access.signed_in
@blp.response(204)
def revoke_token(token_id):
    """Revoke one of my bearer tokens."""
    services.revoke_token(current_user, token_id)
    record("token_revoked", object_type="api_token", object_id=token_id)


@blp.route("/invites", methods=["POST"])
@access.staff_only
@blp.arguments(InviteRequestSchema)
@blp.response(201, InviteSchema)
def create_invite(data):
    """Invite a patient (therapists, admins) or a therapist (admins)."""
    access.may_invite(data["role"])
    therapist = None
    if data["role"] == "patient":
        if current_user.is_therapist:
            therapist = current_user
        elif data["therapist_id"] is None:
            abort(
                422,
                "Say which therapist will care for this patient.",
                errors={"therapist_id": ["Required when an admin invites a patient."]},
            )
        else:
            therapist = access.therapist_in_clinic(data["therapist_id"])
    invite, clear = services.create_invite(
        current_user,
        email=data["email"],
        role=data["role"],
        display_name=data["display_name"],
        therapist=therapist,
    )
    record("invite_created", object_type="invite", object_id=invite.id)
    return {
        "id": invite.id,
        "email": invite.email,
        "role": invite.role,
        "display_name": invite.display_name,
        "expires_at": invite.expires_at,
        "token": clear,
        "accept_url": url_for("web.index", _external=True) + f"#/invite/{clear}",
    }


@blp.route("/invites/<token>")
@blp.response(200, InviteInfoSchema)
def invite_info(token):
    """What an invitation is for, so the acceptance screen can greet the person."""
    invite = services.open_invite(token)
    clinic = db.session.get(Clinic, invite.clinic_id)
    return {
        "email": invite.email,
        "role": invite.role,
        "display_name": invite.display_name,
        "clinic_name": clinic.name,
        "expires_at": invite.expires_at,
    }


@blp.route("/invites/<token>/accept", methods=["POST"])
@blp.arguments(InviteAcceptSchema)
@blp.response(201, MeSchema)
def accept_invite(data, token):
    """Set a password, create the account and sign in."""
    user = services.accept_invite(token, **data)
    start_session(user)
    record("invite_accepted", actor=user, object_type="user", object_id=user.id)
    return _me(user)


@blp.route("/me/settings")
@access.signed_in
@blp.response(200, SettingsSchema)
def get_settings():
    """My time zone, reminder time, quiet hours and sharing default."""
    return current_user


@blp.route("/me/settings", methods=["PATCH"])
@access.signed_in
@blp.arguments(SettingsSchema)
@blp.response(200, SettingsSchema)
def update_settings(data):
    """Change my settings; reminders follow the new time and zone."""
    user = services.update_settings(current_user, data)
    if "share_by_default" in data:
        record("sharing_default_changed", patient_id=user.id if user.is_patient else None)
    settings_changed.send(user)
    return user
