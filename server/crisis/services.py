"""Choosing the crisis resources a person sees, and a clinic admin's changes to them.

Functions flush and never commit; the request (or CLI command) commits.

Which country: the person's own choice (`User.country`), else the country of
their time zone, else the clinic's. The clinic's own list (and message)
applies to people in the clinic's country; anyone elsewhere gets the built-in
list of where they are. The clinic's phone, with its opening hours, is added
wherever they are, and the emergency number of their country is always given
on its own, whatever list an admin chose.
"""

from server.auth.models import User
from server.clinics.models import Clinic
from server.countries import zone_country
from server.crisis.defaults import built_in
from server.crisis.models import ClinicCrisisResources
from server.extensions import db


def country_for(user: User, clinic: Clinic) -> tuple[str, str]:
    """`(country, chosen_by)`: by the person's setting, their time zone, or the clinic."""
    if user.country:
        return user.country, "setting"
    from_zone = zone_country(user.time_zone)
    if from_zone:
        return from_zone, "time_zone"
    return clinic.country, "clinic"


def _clinic_phone(clinic: Clinic) -> dict:
    return {
        "name": clinic.name,
        "phone": clinic.phone,
        "hours": clinic.phone_hours,
        "description": "Your clinic, while it is open." if clinic.phone_hours else "Your clinic.",
        "clinic": True,
    }


def crisis_resources(user: User) -> dict:
    """What `user` sees on the crisis card and screen, by the rules above."""
    clinic = db.session.get(Clinic, user.clinic_id)
    stored = db.session.get(ClinicCrisisResources, clinic.id)
    country, chosen_by = country_for(user, clinic)
    answer = built_in(country)
    clinics_own = stored is not None and country == clinic.country
    customised = clinics_own and stored.resources is not None
    if customised:
        answer["resources"] = [dict(resource) for resource in stored.resources]
    include_phone = stored.include_clinic_phone if stored is not None else True
    if include_phone and clinic.phone:
        answer["resources"].append(_clinic_phone(clinic))
    answer.update(
        chosen_by=chosen_by,
        message=stored.message if clinics_own else None,
        include_clinic_phone=include_phone,
        customised=customised,
    )
    return answer


def _stored(clinic_id) -> ClinicCrisisResources:
    stored = db.session.get(ClinicCrisisResources, clinic_id)
    if stored is None:
        stored = ClinicCrisisResources(clinic_id=clinic_id, include_clinic_phone=True)
        db.session.add(stored)
    return stored


def _clean(resources: list[dict] | None) -> list[dict] | None:
    if resources is None:
        return None
    return [{k: v for k, v in r.items() if v is not None} for r in resources]


def set_crisis_resources(
    admin: User, *, resources: list[dict], message: str | None, include_clinic_phone: bool
) -> dict:
    """Replace the admin's clinic's own list; returns what the admin now sees."""
    stored = _stored(admin.clinic_id)
    stored.resources = _clean(resources)
    stored.message = message
    stored.include_clinic_phone = include_clinic_phone
    stored.updated_by_id = admin.id
    db.session.flush()
    return crisis_resources(admin)


def clinic_settings(clinic: Clinic) -> dict:
    """What the admin's editor shows: the clinic's country, phone, hours and own list.

    `resources` is None while the built-in list of the clinic's country applies.
    """
    stored = db.session.get(ClinicCrisisResources, clinic.id)
    answer = built_in(clinic.country)
    return {
        "clinic_id": clinic.id,
        "country": clinic.country,
        "country_name": answer["country_name"],
        "phone": clinic.phone,
        "phone_hours": clinic.phone_hours,
        "resources": stored.resources if stored is not None else None,
        "message": stored.message if stored is not None else None,
        "include_clinic_phone": stored.include_clinic_phone if stored is not None else True,
        "customised": stored is not None and stored.resources is not None,
        "built_in": {"emergency": answer["emergency"], "resources": answer["resources"]},
    }


def set_clinic_settings(clinic: Clinic, admin: User, data: dict) -> dict:
    """Replace the clinic's country, phone, hours and list (None: the built-in list)."""
    clinic.country = data["country"]
    clinic.phone = data["phone"]
    clinic.phone_hours = data["phone_hours"] if data["phone"] else None
    stored = _stored(clinic.id)
    stored.resources = _clean(data["resources"])
    stored.message = data["message"]
    stored.include_clinic_phone = data["include_clinic_phone"]
    stored.updated_by_id = admin.id
    db.session.flush()
    return clinic_settings(clinic)
