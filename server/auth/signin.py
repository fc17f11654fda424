"""Checking credentials at sign-in and again inside a session, within budgets.

Every refusal is audited against the account it was aimed at (its clinic's
admin sees guessing at their staff and patients; the password is never
recorded), including attempts refused because a budget is spent.
"""

from flask import g

from server.audit.services import record, record_refusal
from server.auth import services, throttle, totp
from server.auth.models import User
from server.errors import abort

# One answer for every failed sign-in (unknown account, wrong password, missing,
# wrong or replayed code), so the answer never confirms that a password was right.
LOGIN_FAILED = "The email, password or code is not right."


def _against(user: User | None) -> dict:
    """Audit columns naming the account an attempt was aimed at (none if unknown)."""
    if user is None:
        return {}
    return {"object_type": "user", "object_id": user.id, "clinic_id": user.clinic_id}


def _audit_and_keep(action: str, user: User | None, **extra) -> None:
    record_refusal(action, **_against(user), **extra)  # kept although the request fails


def _throttled(user: User | None):
    _audit_and_keep("login_throttled", user)
    throttle.too_many()


def _refuse(budgets, action: str, user: User | None, **extra):
    throttle.spend(budgets)
    _audit_and_keep(action, user, **extra)
    abort(401, LOGIN_FAILED)


def credentials_user(data) -> User:
    """The user these credentials (password, and second factor once enrolled) prove.

    401 when they do not, 429 when a budget is spent, 503 when the budgets
    cannot be counted. Past the account's backstop only a right password with
    a valid second factor gets in.
    """
    email = services.normalise_email(data["email"])
    budgets = throttle.login_budgets(email)
    exhausted = throttle.spent(budgets)
    target = services.user_by_email(email)
    if exhausted & {"address", "account_address"}:
        _throttled(target)
    backstop = "account" in exhausted
    user = services.authenticate_user(target, data["password"])
    if user is None:
        if backstop:
            _throttled(target)
        _refuse(budgets, "login_failed", target)
    if user.totp_enrolled:
        factor = totp.verify_second_factor(user, data["totp"])
        if factor is None:
            # The password was right: the clinic's admin should see this one.
            if backstop:
                _audit_and_keep("login_failed_totp", user, actor=user)
                throttle.too_many()
            _refuse(budgets, "login_failed_totp", user, actor=user)
        if factor == "recovery_code":
            record("recovery_code_used", actor=user, object_type="user", object_id=user.id)
    elif backstop:
        _throttled(user)  # a password alone cannot pass the account's backstop
    return user


def reauth_budgets(user: User):
    """The caller's re-authentication budgets; 429 (audited) when spent."""
    budgets = throttle.reauth_budgets(user.email)
    if "reauth" in throttle.spent(budgets):
        _audit_and_keep("reauth_throttled", user)
        throttle.too_many()
    return budgets


def refuse_reauth(user: User, budgets, field: str, detail: str, message: str):
    """A wrong password or code from a signed-in caller: counted and audited."""
    g.reauth_failed = True
    throttle.spend(budgets)
    _audit_and_keep("reauth_failed", user)
    abort(422, detail, errors={field: [message]})
