"""Account changes that others record: what the audit log must show."""

import uuid

from server.audit.services import record
from server.auth import totp
from server.auth.models import User
from server.auth.services import end_all_sessions


def reset_second_factor(user: User, *, clinic_id: uuid.UUID | None = None) -> None:
    """Forget `user`'s authenticator and recovery codes, end every session and
    token of theirs, and record it: for someone who lost both.

    Called by an admin's request, or by the operator's `flask user reset-totp`
    (no current user: `clinic_id` names the clinic for the audit log).
    """
    totp.disable(user)
    end_all_sessions(user)
    record(
        "totp_reset",
        patient_id=user.id if user.is_patient else None,
        object_type="user",
        object_id=user.id,
        clinic_id=clinic_id,
    )
