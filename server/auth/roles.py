"""Role checks for views: signed in, and with one of the roles a route allows.

A wrong role is 403; not signed in is 401. `server.access` names these for
every route, beside its decisions about whose data a caller may see.
"""

import functools

from flask_login import current_user

from server.errors import abort


def roles_required(*roles: str):
    """Decorate a view: the caller must be signed in with one of `roles`."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401, "Sign in to continue.")
            if current_user.role not in roles:
                abort(403, "This is not available to your role.")
            return view(*args, **kwargs)

        return wrapper

    return decorator


patient_only = roles_required("patient")
therapist_only = roles_required("therapist")
admin_only = roles_required("admin")
staff_only = roles_required("therapist", "admin")
signed_in = roles_required("patient", "therapist", "admin")
