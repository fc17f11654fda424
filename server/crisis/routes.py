"""Crisis resources for everyone, and their editing by a clinic's admins."""

from flask_login import current_user
from flask_smorest import Blueprint

from server import access
from server.audit.services import record
from server.clinics import services as clinics
from server.clinics.models import Clinic
from server.clinics.schemas import ClinicSettingsSchema
from server.countries import country_names
from server.crisis import services
from server.crisis.defaults import country_name, data
from server.crisis.schemas import (
    ClinicCrisisSettingsSchema,
    CountryListSchema,
    CrisisAnswerSchema,
    CrisisResourcesSchema,
)

blp = Blueprint("crisis", __name__, url_prefix="/api/v1", description="Crisis resources")


@blp.route("/crisis-resources")
@access.signed_in
@blp.response(200, CrisisAnswerSchema)
def crisis_resources():
    """Who to call or text in a crisis where I am, and the emergency number."""
    return services.crisis_resources(current_user)


@blp.route("/crisis-resources", methods=["PUT"])
@access.admin_only
@blp.arguments(CrisisResourcesSchema)
@blp.response(200, CrisisAnswerSchema)
def set_crisis_resources(body):
    """Replace my clinic's own list (for people in the clinic's country)."""
    result = services.set_crisis_resources(current_user, **body)
    record("crisis_resources_changed", object_type="clinic", object_id=current_user.clinic_id)
    return result


@blp.route("/crisis-resources/countries")
@access.signed_in
@blp.response(200, CountryListSchema)
def countries():
    """The countries to choose from, by name; `built_in` where Between ships a list."""
    shipped = data()["countries"]
    return {
        "items": [
            {"code": code, "name": country_name(code), "built_in": code in shipped}
            for code in country_names()
        ]
    }


@blp.route("/clinics/<uuid:clinic_id>/crisis-resources")
@access.admin_only
@blp.response(200, ClinicCrisisSettingsSchema)
def clinic_settings(clinic_id):
    """My clinic's country, phone, opening hours and own list, for editing."""
    return services.clinic_settings(access.own_clinic(clinic_id))


@blp.route("/clinics/<uuid:clinic_id>/crisis-resources", methods=["PUT"])
@access.admin_only
@blp.arguments(ClinicCrisisSettingsSchema)
@blp.response(200, ClinicCrisisSettingsSchema)
def set_clinic_settings(body, clinic_id):
    """Replace my clinic's country, phone, opening hours and own list (null: built-in)."""
    clinic = access.own_clinic(clinic_id)
    result = services.set_clinic_settings(clinic, current_user, body)
    record("crisis_resources_changed", object_type="clinic", object_id=clinic.id)
    return result


# The clinic's own settings live beside its crisis settings: the phone, its
# hours and the country are what crisis resources show and choose by. (The
# clinics package sits below access and audit, so its views cannot live there.)
@blp.route("/clinic")
@access.admin_only
@blp.response(200, ClinicSettingsSchema)
def clinic():
    """My clinic's name, country, phone and opening hours."""
    return clinics.settings(_my_clinic())


@blp.route("/clinic", methods=["PUT"])
@access.admin_only
@blp.arguments(ClinicSettingsSchema)
@blp.response(200, ClinicSettingsSchema)
def set_clinic(body):
    """Replace my clinic's name, country, phone and opening hours (hours need a phone)."""
    clinic = _my_clinic()
    result = clinics.update_settings(clinic, body)
    record("clinic_settings_changed", object_type="clinic", object_id=clinic.id)
    return result


def _my_clinic() -> Clinic:
    return access.own_clinic(current_user.clinic_id)
