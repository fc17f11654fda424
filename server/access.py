"""Who may see what: one function per decision, used by every route.

Anything about a patient outside the caller's care team (another
therapist's, another clinic's) is answered 404, never 403, so the API does
not confirm that the patient exists. A wrong role for a route is 403.
"""

import uuid

from flask_login import current_user
from sqlalchemy import select

from server.audit.services import record_refusal
from server.auth import roles
from server.auth.models import User
from server.clinics.models import Clinic
from server.clinics.queries import on_care_team
from server.errors import abort
from server.extensions import db

# The role checks are auth's (who is signed in, in which role); every route
# names them here, beside the decisions about data.
roles_required = roles.roles_required
patient_only = roles.patient_only
therapist_only = roles.therapist_only
admin_only = roles.admin_only
staff_only = roles.staff_only
signed_in = roles.signed_in


def patient_in_care(patient_id: uuid.UUID) -> User:
    """The patient if the current therapist cares for them; 404 otherwise; one statement."""
    patient = db.session.scalar(
        select(User).where(
            User.id == patient_id,
            on_care_team(current_user.id, current_user.clinic_id, User.id),
        )
    )
    if patient is None:
        # A failed access decision on patient data (ASVS 7.2.2), in the caller's
        # clinic's log. The id asked for is the object, not `patient_id`: it may
        # name no one, or someone of another clinic the log must not point to.
        record_refusal("patient_access_refused", object_type="patient", object_id=patient_id)
        abort(404, "No such patient.")
    return patient


def therapist_in_clinic(therapist_id: uuid.UUID) -> User:
    """A therapist of the caller's clinic; 404 otherwise."""
    therapist = db.session.get(User, therapist_id)
    if (
        therapist is None
        or therapist.role != "therapist"
        or therapist.clinic_id != current_user.clinic_id
    ):
        abort(404, "No such therapist.", errors={"therapist_id": ["No such therapist."]})
    return therapist


def own_item(model, item_id: uuid.UUID):
    """A patient's own item by id; anyone else's is 404."""
    item = db.session.get(model, item_id)
    if item is None or item.patient_id != current_user.id:
        abort(404, "No such item.")
    return item


def own_clinic(clinic_id: uuid.UUID):
    """The caller's own clinic by id; any other clinic is 404."""
    clinic = db.session.get(Clinic, clinic_id) if clinic_id == current_user.clinic_id else None
    if clinic is None:
        abort(404, "No such clinic.")
    return clinic


def may_invite(role: str) -> None:
    """Therapists invite patients; admins invite therapists and patients."""
    allowed = {"therapist": {"patient"}, "admin": {"patient", "therapist"}}
    if role not in allowed.get(current_user.role, set()):
        abort(403, f"You cannot invite a {role}.", errors={"role": ["Not allowed for you."]})
