"""Sign-in budgets: how many wrong passwords or codes a guesser gets.

Three budgets are spent by every failed sign-in (SECURITY.md, *Login limits*):

- per address (`LOGIN_FAILURE_LIMIT`, 10 in any 15 minutes): one address
  guessing at many accounts;
- per account *and* address (the same limit): one address guessing at one
  account. A guesser elsewhere never spends the budget of the person's own
  address, so guessing from many addresses cannot keep them out;
- per account, from every address (`LOGIN_ACCOUNT_LIMIT`, a slower backstop):
  caps the total guessing at one account. Once it is spent, only a correct
  password *and* a valid second factor get in, so a therapist (TOTP is
  required for staff) is never kept out by it; an account without TOTP waits.

Signed-in callers who give their password or a code again (password change,
turning TOTP off, deleting the account) spend one re-authentication budget of
their account (`LOGIN_FAILURE_LIMIT`), shared by those routes, and the
account's backstop.

The counts live in Redis in production (`REDIS_URL`), shared by every
process. When Redis cannot be reached or does not answer within
`RATELIMIT_SOCKET_TIMEOUT`, sign-in and re-authentication fail closed: 503
`/problems/sign-in-unavailable` with `Retry-After`, logged once per outage,
never a fresh budget per process. Keys hold a keyed hash of the email, never
the email itself, and nothing here logs a key.
"""

import hashlib
import hmac
import logging
import threading
from dataclasses import dataclass

from flask import current_app, request
from limits import parse

from server.errors import abort
from server.extensions import limiter

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30
UNAVAILABLE = "/problems/sign-in-unavailable"


class _Outage:
    """Says in the log once that the counts cannot be reached, and once that they are back."""

    def __init__(self):
        self._lock = threading.Lock()
        self.down = False

    def failed(self, error: Exception) -> None:
        with self._lock:
            if self.down:
                return
            self.down = True
        # The exception's type only: a Redis error's text can carry its URL.
        log.error(
            "Login limits cannot be counted (%s); sign-in answers 503 until the store is back.",
            type(error).__name__,
        )

    def worked(self) -> None:
        if not self.down:
            return
        with self._lock:
            if not self.down:
                return
            self.down = False
        log.warning("Login limits can be counted again; sign-in is open.")


outage = _Outage()


def _digest(kind: str, value: str) -> str:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def client_address() -> str:
    return request.remote_addr or "unknown"


@dataclass(frozen=True)
class Budget:
    name: str
    config_key: str
    key: str

    @property
    def limit(self):
        return parse(current_app.config[self.config_key])

    @property
    def identifiers(self) -> tuple[str, ...]:
        # RATELIMIT_KEY_PREFIX keeps installations sharing one Redis apart.
        return (current_app.config.get("RATELIMIT_KEY_PREFIX") or "between", self.key)


def login_budgets(email: str) -> list[Budget]:
    """The budgets one sign-in attempt for `email` from this address spends."""
    account = _digest("account", email)
    address = client_address()
    return [
        Budget("address", "LOGIN_FAILURE_LIMIT", f"login-address:{address}"),
        Budget(
            "account_address", "LOGIN_FAILURE_LIMIT", f"login-account-address:{account}:{address}"
        ),
        Budget("account", "LOGIN_ACCOUNT_LIMIT", f"login-account:{account}"),
    ]


def reauth_budgets(email: str) -> list[Budget]:
    """The budgets a signed-in caller's wrong password or code spends."""
    account = _digest("account", email)
    return [
        Budget("reauth", "LOGIN_FAILURE_LIMIT", f"reauth:{account}"),
        Budget("account", "LOGIN_ACCOUNT_LIMIT", f"login-account:{account}"),
    ]


def _unavailable(error: Exception):
    outage.failed(error)
    abort(
        503,
        "Sign-in is unavailable for a moment; try again shortly.",
        type_=UNAVAILABLE,
        title="Sign-in unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _store_errors() -> tuple[type[Exception], ...]:
    errors = getattr(limiter.storage, "base_exceptions", Exception)
    return errors if isinstance(errors, tuple) else (errors,)


def spent(budgets: list[Budget]) -> set[str]:
    """The names of the budgets with nothing left (503 when they cannot be read)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return set()
    try:
        exhausted = {b.name for b in budgets if not limiter.limiter.test(b.limit, *b.identifiers)}
    except _store_errors() as error:
        _unavailable(error)
    outage.worked()
    return exhausted


def spend(budgets: list[Budget]) -> None:
    """Count one failure against each budget (503 when it cannot be counted)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    try:
        for budget in budgets:
            limiter.limiter.hit(budget.limit, *budget.identifiers)
    except _store_errors() as error:
        _unavailable(error)
    outage.worked()


def too_many():
    abort(
        429,
        "Too many attempts; wait a few minutes and try again.",
        type_="/problems/too-many-attempts",
        title="Too many attempts",
        headers={"Retry-After": str(15 * 60)},
    )
