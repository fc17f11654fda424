"""Two-step sign-in: TOTP codes (RFC 6238) and single-use recovery codes.

Therapists and admins must enrol (SPEC 8); patients may. A secret is issued
pending and becomes active only once the person proves their authenticator
shows the right code, so a mistyped QR scan never locks anyone out.

Each accepted code moves `User.totp_last_step` forward with a conditional
UPDATE: a code seen once (over a shoulder, through a phishing proxy) cannot
be used again, even by two requests racing each other.

Functions flush and never commit; the request (or CLI command) commits.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import pyotp
import segno
from sqlalchemy import delete, or_, update
from sqlalchemy.orm.attributes import set_committed_value

from server.auth.models import RecoveryCode, User
from server.db import utcnow
from server.errors import abort
from server.extensions import db

ISSUER = "Between"
DIGITS = 6
# One 30-second step either side of now: phone clocks drift, and people type slowly.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10


def new_secret() -> str:
    """A fresh base32 secret: 160 bits, the length RFC 4226 recommends."""
    return pyotp.random_base32(32)


def provisioning_uri(user: User, secret: str) -> str:
    """The `otpauth://` URI an authenticator app reads (usually from a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """The URI as an SVG QR code in a `data:` URI: the PWA shows it without a library,
    and the secret never travels to a third-party QR service."""
    return segno.make(uri, error="m").svg_data_uri(scale=4)


def matching_step(
    secret: str, code: str | None, *, after: int | None, at: datetime | None = None
) -> int | None:
    """The time step `code` is valid for near `at` (default now), if later than `after`."""
    if not code or len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at or datetime.now(UTC))
    found = None
    # Compare against every step in the window (no early exit) in constant time.
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and (after is None or step > after):
            found = step
    return found


def _spend(model, unspent: list, **spent) -> bool:
    """Mark the one row that is still `unspent` as `spent`, in one statement; False when no
    row was (already spent, by this request or a racing one)."""
    result = db.session.execute(
        update(model).where(*unspent).values(**spent).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _spend_step(user: User, step: int) -> bool:
    """Record `step` as used; False if it (or a later one) already was."""
    unused = or_(User.totp_last_step.is_(None), User.totp_last_step < step)
    if not _spend(User, [User.id == user.id, unused], totp_last_step=step):
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def normalise_recovery_code(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii")  # 80 bits, 16 characters
    return "-".join(raw[index : index + 4] for index in range(0, 16, 4))


def replace_recovery_codes(user: User) -> list[str]:
    """Issue a new set of recovery codes (the old ones stop working); shown once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(code)) for code in codes
    )
    db.session.flush()
    return codes


def _spend_recovery_code(user: User, code: str) -> bool:
    return _spend(
        RecoveryCode,
        [
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        ],
        used_at=utcnow(),
    )


def verify_second_factor(user: User, code: str | None) -> str | None:
    """Check and spend a TOTP code or a recovery code of `user`.

    Returns "totp" or "recovery_code" for the factor accepted, None if `code`
    is missing, wrong, or already used.
    """
    if not code or not user.totp_enrolled:
        return None
    if code.isdigit() and len(code) == DIGITS:
        step = matching_step(user.totp_secret, code, after=user.totp_last_step)
        return "totp" if step is not None and _spend_step(user, step) else None
    return "recovery_code" if _spend_recovery_code(user, code) else None


def activate(user: User, secret: str, *, last_step: int | None = None) -> None:
    """Make `secret` the user's active TOTP secret (enrolment is then complete)."""
    user.totp_secret = secret
    user.totp_pending_secret = None
    user.totp_last_step = last_step
    user.totp_enrolled_at = utcnow()
    db.session.flush()


def begin_enrolment(user: User) -> str:
    """Issue a pending secret; calling again replaces one that was never confirmed."""
    if user.totp_enrolled:
        abort(
            409,
            "Two-step sign-in is already set up. To move it to a new device, turn it off "
            "with your password and a code, then enrol again.",
        )
    secret = new_secret()
    user.totp_pending_secret = secret
    db.session.flush()
    return secret


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Activate the pending secret if `code` is current; returns new recovery codes."""
    pending = user.totp_pending_secret
    if pending is None:
        abort(409, "There is no enrolment to confirm; start with POST /api/v1/auth/totp/enrol.")
    step = matching_step(pending, code, after=None)
    if step is None:
        abort(
            422,
            "That code is not right.",
            errors={"code": ["Not the current code; check the device's clock and try again."]},
        )
    # The confirming code counts as used: it cannot then sign anyone in.
    activate(user, pending, last_step=step)
    return replace_recovery_codes(user)


def disable(user: User) -> None:
    """Remove the second factor and its recovery codes."""
    user.totp_secret = None
    user.totp_pending_secret = None
    user.totp_last_step = None
    user.totp_enrolled_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
