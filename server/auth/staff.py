"""The clinic's staff as its admin sees them: role, two-step sign-in, last sign-in; one statement.

Only identifiers and account facts: no secret, no hash. Ending someone's
sessions and resetting their two-step sign-in are their own routes
(`/users/{id}/sessions/revoke`, `/users/{id}/totp/reset`), named by id.
"""

from sqlalchemy import func, select

from server.auth.models import LoginSession, User
from server.extensions import db

STAFF_ROLES = ("therapist", "admin")


def staff(admin: User) -> list[dict]:
    """Therapists and admins of `admin`'s clinic, by name."""
    last_sign_in = (
        select(func.max(LoginSession.created_at))
        .where(LoginSession.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            User.id,
            User.display_name,
            User.email,
            User.role,
            User.totp_secret_ciphertext.is_not(None),
            last_sign_in,
        )
        .where(User.clinic_id == admin.clinic_id, User.role.in_(STAFF_ROLES))
        .order_by(func.lower(User.display_name), User.id)
    ).all()
    return [
        {
            "id": user_id,
            "display_name": name,
            "email": email,
            "role": role,
            "two_step_enabled": bool(two_step),
            "last_sign_in_at": signed_in,
        }
        for user_id, name, email, role, two_step, signed_in in rows
    ]
