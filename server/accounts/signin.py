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


def _throttled(user: User | None):
    record_refusal("login_throttled", **_against(user))  # kept although the request fails
    throttle.too_many()


def _refuse(budgets, user: User | None):
    """A wrong password (or an unknown account): counted, audited, 401."""
    throttle.spend(budgets)
    record_refusal("login_failed", **_against(user))
    abort(401, LOGIN_FAILED)


def _refuse_code(budgets, user: User, backstop: bool):
    """A right password with a wrong code: the clinic's admin should see this one."""
    if not backstop:
        throttle.spend(budgets)
    record_refusal("login_failed_totp", actor=user, **_against(user))
    if backstop:
        throttle.too_many()
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
        _refuse(budgets, target)
    if user.totp_enrolled:
        factor = totp.verify_second_factor(user, data["totp"])
        if factor is None:
            _refuse_code(budgets, user, backstop)
        if factor == "recovery_code":
            record("recovery_code_used", actor=user, object_type="user", object_id=user.id)
    elif backstop:
        _throttled(user)  # a password alone cannot pass the account's backstop
    return user


def reauth_budgets(user: User):
    """The caller's re-authentication budgets; 429 (audited) when spent."""
    budgets = throttle.reauth_budgets(user.email)
    if "reauth" in throttle.spent(budgets):
        record_refusal("reauth_throttled", **_against(user))
        throttle.too_many()
    return budgets


def refuse_reauth(user: User, budgets, field: str, detail: str, message: str):
    """A wrong password or code from a signed-in caller: counted and audited."""
    g.reauth_failed = True
    throttle.spend(budgets)
    record_refusal("reauth_failed", **_against(user))
    abort(422, detail, errors={field: [message]})
