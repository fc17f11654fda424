"""Account operations: create users, log in, bearer tokens, invites, settings.

Functions flush and never commit; the request (or CLI command) commits.
"""

import hashlib
import secrets
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from server.auth.models import ApiToken, CareTeamMember, Invite, LoginSession, User
from server.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from server.db import utcnow
from server.errors import abort
from server.extensions import db


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def check_password_policy(
    password: str, email: str, field: str = "password", *, name: str | None = None
) -> None:
    problems = password_problems(password, email=email, name=name)
    if problems:
        abort(422, "The password is not accepted.", errors={field: problems})


def create_user(
    *,
    clinic_id: uuid.UUID,
    role: str,
    email: str,
    password: str,
    display_name: str | None = None,
    time_zone: str = "UTC",
    therapist: User | None = None,
    share_by_default: bool = True,
) -> User:
    """Create an account; a patient may be put on `therapist`'s care team."""
    email = normalise_email(email)
    if user_by_email(email) is not None:
        abort(409, "An account with this email already exists.", errors={"email": ["Taken."]})
    check_password_policy(password, email, name=display_name)
    user = User(
        id=uuid.uuid4(),
        clinic_id=clinic_id,
        role=role,
        email=email,
        display_name=display_name or email.split("@")[0],
        password_hash=hash_password(password),
        time_zone=time_zone,
        share_by_default=share_by_default,
    )
    db.session.add(user)
    db.session.flush()
    if therapist is not None:
        add_to_care_team(user, therapist)
    return user


def add_to_care_team(patient: User, therapist: User) -> None:
    if patient.clinic_id != therapist.clinic_id or therapist.role != "therapist":
        raise ValueError("a care team joins a patient and a therapist of one clinic")
    db.session.merge(CareTeamMember(patient_id=patient.id, therapist_id=therapist.id))
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    """The user whose credentials these are, or None; costs the same either way."""
    return authenticate_user(user_by_email(email), password)


def authenticate_user(user: User | None, password: str) -> User | None:
    """`user` if `password` is theirs, else None; costs the same when `user` is None."""
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def change_password(user: User, new: str) -> None:
    """Set a new password. The caller has checked the current one (rate-limited,
    audited) and ends the user's other sessions (see routes)."""
    if verify_password(user.password_hash, new):
        abort(
            422,
            "The password is not accepted.",
            errors={"new_password": ["Choose a password other than your current one."]},
        )
    check_password_policy(new, user.email, field="new_password", name=user.display_name)
    user.password_hash = hash_password(new)
    db.session.flush()


def end_all_sessions(user: User, *, except_token_id: uuid.UUID | None = None) -> None:
    """End every browser session and bearer token of `user` at once.

    `except_token_id` spares the bearer token making the request, so a mobile
    client that changed its own credentials stays signed in.
    """
    now = utcnow()
    for model in (LoginSession, ApiToken):
        statement = (
            update(model)
            .where(model.user_id == user.id, model.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        if model is ApiToken and except_token_id is not None:
            statement = statement.where(ApiToken.id != except_token_id)
        db.session.execute(statement)
    db.session.flush()


def clinic_member(admin: User, user_id: uuid.UUID) -> User:
    """A user of `admin`'s clinic; 404 for anyone else, so other clinics stay invisible."""
    user = db.session.get(User, user_id)
    if user is None or user.clinic_id != admin.clinic_id:
        abort(404, "No such user.")
    return user


def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a bearer token; the clear token is returned once and never stored."""
    clear = "btw_" + secrets.token_urlsafe(32)
    token = ApiToken(id=uuid.uuid4(), user_id=user.id, name=name, token_hash=hash_token(clear))
    db.session.add(token)
    db.session.flush()
    return token, clear


def revoke_token(user: User, token_id: uuid.UUID) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        abort(404, "No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()


def create_invite(
    inviter: User,
    *,
    email: str,
    role: str,
    display_name: str | None = None,
    therapist: User | None = None,
) -> tuple[Invite, str]:
    """Invite someone to the inviter's clinic. Returns the invite and its clear token.

    An email that already has an account in the inviter's own clinic is a
    409 (they can see their own people anyway). One with an account in
    another clinic is invited like any other, so the answer tells nobody
    that someone elsewhere uses Between; the invitee learns it when they
    accept (`accept_invite`).
    """
    email = normalise_email(email)
    existing = user_by_email(email)
    if existing is not None and existing.clinic_id == inviter.clinic_id:
        abort(409, "An account with this email already exists.", errors={"email": ["Taken."]})
    clear = secrets.token_urlsafe(32)
    hours = current_app.config["INVITE_LIFETIME_HOURS"]
    invite = Invite(
        id=uuid.uuid4(),
        clinic_id=inviter.clinic_id,
        role=role,
        email=email,
        display_name=display_name,
        token_hash=hash_token(clear),
        invited_by_id=inviter.id,
        therapist_id=therapist.id if therapist else None,
        expires_at=utcnow() + timedelta(hours=hours),
    )
    db.session.add(invite)
    db.session.flush()
    return invite, clear


def open_invite(clear: str) -> Invite:
    """The invite for this token if it can still be accepted; 404 or 410 otherwise."""
    invite = db.session.scalar(select(Invite).where(Invite.token_hash == hash_token(clear)))
    if invite is None:
        abort(404, "This invitation link is not valid.")
    if invite.accepted_at is not None or invite.expires_at <= utcnow():
        abort(410, "This invitation has been used or has expired; ask for a new one.")
    return invite


def accept_invite(
    clear: str, *, password: str, display_name: str | None, time_zone: str, share_by_default: bool
) -> User:
    invite = open_invite(clear)
    if user_by_email(invite.email) is not None:
        abort(
            409,
            "This email address already has a Between account, perhaps with another clinic. "
            "Sign in with it, or ask the clinic to invite a different email address.",
            type_="/problems/account-exists",
            title="Account already exists",
        )
    # Claim the invitation first, with a conditional UPDATE: of two accepts at
    # once, the second waits for the first's row lock, then finds it taken (410).
    claimed = db.session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.accepted_at.is_(None))
        .values(accepted_at=utcnow())
    ).rowcount
    if not claimed:
        abort(410, "This invitation has been used or has expired; ask for a new one.")
    therapist = db.session.get(User, invite.therapist_id) if invite.therapist_id else None
    user = create_user(
        clinic_id=invite.clinic_id,
        role=invite.role,
        email=invite.email,
        password=password,
        display_name=display_name or invite.display_name,
        time_zone=time_zone,
        therapist=therapist,
        share_by_default=share_by_default,
    )
    invite.accepted_user_id = user.id
    db.session.flush()
    return user


SETTINGS_FIELDS = (
    "time_zone",
    "checkin_time",
    "more_checkin_times",
    "quiet_hours_start",
    "quiet_hours_end",
    "share_by_default",
    "display_name",
    "country",
)


def update_settings(user: User, changes: dict) -> User:
    _check_quiet_hours(
        changes.get("quiet_hours_start", user.quiet_hours_start),
        changes.get("quiet_hours_end", user.quiet_hours_end),
    )
    for name, value in changes.items():
        if name in SETTINGS_FIELDS:
            setattr(user, name, value)
    db.session.flush()
    return user


def _check_quiet_hours(start, end) -> None:
    """Quiet hours are both times or neither (off), and not an empty window."""
    if (start is None) != (end is None):
        missing = "quiet_hours_end" if end is None else "quiet_hours_start"
        abort(
            422,
            "Quiet hours need a start and an end.",
            errors={missing: ["Give both times, or clear both to turn quiet hours off."]},
        )
    if start is not None and start == end:
        abort(
            422,
            "Quiet hours cannot start and end at the same time.",
            errors={"quiet_hours_end": ["Must differ from the start."]},
        )
