"""Auth, invites and the caller's own settings. Views stay thin."""

from flask import g, url_for
from flask_login import current_user
from flask_smorest import Blueprint

from server import access
from server.accounts import services as account_changes
from server.accounts import signin
from server.audit.services import record
from server.auth import device, invites, services, staff, tokens, totp
from server.auth.passwords import verify_password
from server.auth.schemas import (
    DeviceKeySchema,
    InviteAcceptSchema,
    InviteInfoSchema,
    InviteListSchema,
    InviteRequestSchema,
    InviteSchema,
    LoginSchema,
    MeSchema,
    PasswordChangeSchema,
    RecoveryCodesSchema,
    SettingsSchema,
    StaffListSchema,
    TokenListSchema,
    TokenRequestSchema,
    TokenSchema,
    TotpConfirmSchema,
    TotpDisableSchema,
    TotpEnrolmentSchema,
)
from server.auth.sessions import csrf_token, end_session, start_session
from server.clinics.models import Clinic
from server.errors import abort
from server.extensions import db
from server.signals import settings_changed

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Accounts and sessions")


def _me(user):
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "display_name": user.display_name,
        "clinic_id": user.clinic_id,
        "time_zone": user.time_zone,
        "share_by_default": user.share_by_default,
        "totp_enrolled": user.totp_enrolled,
        "totp_required": user.totp_required,
        "csrf_token": csrf_token(),
    }


def _keep_only_this_device(user):
    """After a credential change, end every other session and token of `user`.

    A cookie session is replaced by a new one (a fixed or stolen session id
    dies with the old one); a bearer client keeps the token it is using.
    Returns the CSRF token for a cookie session, else None.
    """
    if g.get("auth_method") == "bearer":
        services.end_all_sessions(user, except_token_id=g.get("api_token_id"))
        return None
    services.end_all_sessions(user)
    return start_session(user)


@blp.route("/auth/login", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(200, MeSchema)
def login(data):
    """Sign in with a cookie session; the answer includes the CSRF token."""
    user = signin.credentials_user(data)
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
    """Change my password; every other session and token of mine ends.

    A wrong current password counts as a failed login to the account (at most
    10 in 15 minutes, then 429) and is audited.
    """
    user = current_user._get_current_object()
    budgets = signin.reauth_budgets(user)
    if not verify_password(user.password_hash, data["current_password"]):
        signin.refuse_reauth(
            user, budgets, "current_password", "The current password is not right.", "Wrong."
        )
    services.change_password(user, data["new_password"])
    record("password_changed")
    _keep_only_this_device(user)


@blp.route("/auth/totp/enrol", methods=["POST"])
@access.signed_in
@blp.response(201, TotpEnrolmentSchema)
def totp_enrol():
    """Start two-step sign-in: a new secret to add to an authenticator app.

    Nothing changes at login until a code from it is confirmed; enrolling
    again before that replaces the unconfirmed secret.
    """
    user = current_user._get_current_object()
    secret = totp.begin_enrolment(user)
    record("totp_enrolment_started", object_type="user", object_id=user.id)
    uri = totp.provisioning_uri(user, secret)
    return {"secret": secret, "otpauth_uri": uri, "qr_code": totp.qr_code_data_uri(uri)}


@blp.route("/auth/totp/confirm", methods=["POST"])
@access.signed_in
@blp.arguments(TotpConfirmSchema)
@blp.response(200, RecoveryCodesSchema)
def totp_confirm(data):
    """Confirm a code from the new authenticator; answers ten recovery codes, once.

    Every other session and token of mine ends: one signed in with the
    password alone before enrolment does not become a full session.
    """
    user = current_user._get_current_object()
    codes = totp.confirm_enrolment(user, data["code"])
    record("totp_enrolled", object_type="user", object_id=user.id)
    return {"recovery_codes": codes, "csrf_token": _keep_only_this_device(user)}


@blp.route("/auth/totp/disable", methods=["POST"])
@access.signed_in
@blp.arguments(TotpDisableSchema)
@blp.response(204)
def totp_disable(data):
    """Turn two-step sign-in off (password and a code needed); staff must enrol again.

    A wrong password or code counts as a failed login to the account (at most
    10 in 15 minutes, then 429) and is audited.
    """
    user = current_user._get_current_object()
    if not user.totp_enrolled:
        abort(409, "Two-step sign-in is not set up.")
    budgets = signin.reauth_budgets(user)
    if not verify_password(user.password_hash, data["password"]):
        signin.refuse_reauth(user, budgets, "password", "The password is not right.", "Wrong.")
    if totp.verify_second_factor(user, data["code"]) is None:
        signin.refuse_reauth(
            user, budgets, "code", "That code is not right.", "Not a current or unused code."
        )
    totp.disable(user)
    record("totp_disabled", object_type="user", object_id=user.id)
    _keep_only_this_device(user)


@blp.route("/staff")
@access.admin_only
@blp.response(200, StaffListSchema)
def list_staff():
    """My clinic's therapists and admins: two-step sign-in set up or not, last sign-in."""
    return {"items": staff.staff(current_user)}


@blp.route("/users/<uuid:user_id>/sessions/revoke", methods=["POST"])
@access.admin_only
@blp.response(204)
def revoke_user_sessions(user_id):
    """End every session and bearer token of a user of my clinic, at once."""
    user = services.clinic_member(current_user, user_id)
    services.end_all_sessions(user)
    record(
        "sessions_revoked",
        patient_id=user.id if user.is_patient else None,
        object_type="user",
        object_id=user.id,
    )


@blp.route("/users/<uuid:user_id>/totp/reset", methods=["POST"])
@access.admin_only
@blp.response(204)
def reset_user_totp(user_id):
    """Reset the two-step sign-in of a user of my clinic who lost both their
    authenticator and their recovery codes.

    Their secret and recovery codes are deleted and every session and bearer
    token of theirs ends at once; at their next sign-in (password alone) they
    must enrol a new authenticator before anything else. Audited. Not for my
    own account: turning mine off needs my password and a code.
    """
    user = services.clinic_member(current_user, user_id)
    if user.id == current_user.id:
        abort(403, "Turn your own two-step sign-in off in your settings, with a code.")
    if not user.totp_enrolled:
        abort(409, "Two-step sign-in is not set up for this person; nothing to reset.")
    account_changes.reset_second_factor(user)


@blp.route("/auth/tokens", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
def create_token(data):
    """A bearer token for a native client (shown once)."""
    user = signin.credentials_user(data)
    token, clear = services.issue_token(user, data["name"])
    record("token_created", actor=user, object_type="api_token", object_id=token.id)
    return {
        "id": token.id,
        "name": token.name,
        "created_at": token.created_at,
        **tokens.describe(token, user.role),
        "token": clear,
    }


@blp.route("/auth/tokens")
@access.signed_in
@blp.response(200, TokenListSchema)
def list_tokens():
    """My bearer tokens that still work: when each was last used and when it expires."""
    return {"items": tokens.live_tokens(current_user, g.get("api_token_id"))}


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
        "accept_url": _accept_url(invite.role, clear),
    }


def _accept_url(role, clear):
    """Where the invited person accepts: staff in the therapist workspace, patients in the app."""
    if role == "patient":
        page = url_for("web.index", _external=True)
    else:
        # Staff must choose a password and set up two-step sign-in in the workspace;
        # the patient app's invite screen would offer them a journal instead.
        page = url_for("web.static_file", folder="therapist", filename="index.html", _external=True)
    return f"{page}#/invite/{clear}"


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


@blp.route("/me/device-key")
@access.patient_only
@blp.response(200, DeviceKeySchema)
def get_device_key():
    """The secret my app seals what waits on my phone under (never cached, never logged)."""
    return {"key": device.device_secret(current_user)}


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


# --- pending invitations: list, revoke, re-issue ---------------------------------


@blp.route("/invites")
@access.staff_only
@blp.response(200, InviteListSchema)
def list_invites():
    """Pending invitations of my clinic (a therapist: those I made), with when each expires.

    Never the token: a lost link is re-issued, not shown again."""
    return {"items": invites.pending(current_user)}


@blp.route("/invites/<uuid:invite_id>", methods=["DELETE"])
@access.staff_only
@blp.response(204)
@blp.alt_response(404, description=invites.NO_INVITE)
def revoke_invite(invite_id):
    """Revoke a pending invitation: its link stops working at once."""
    invite = invites.find(current_user, invite_id)
    invites.revoke(invite)
    record("invite_revoked", object_type="invite", object_id=invite_id)


@blp.route("/invites/<uuid:invite_id>/reissue", methods=["POST"])
@access.staff_only
@blp.response(200, InviteSchema)
@blp.alt_response(404, description=invites.NO_INVITE)
def reissue_invite(invite_id):
    """A new link (token shown once) and a new expiry; the old link no longer works."""
    invite = invites.find(current_user, invite_id)
    clear = invites.reissue(invite)
    record("invite_reissued", object_type="invite", object_id=invite.id)
    return {
        "id": invite.id,
        "email": invite.email,
        "role": invite.role,
        "display_name": invite.display_name,
        "expires_at": invite.expires_at,
        "token": clear,
        "accept_url": _accept_url(invite.role, clear),
    }
