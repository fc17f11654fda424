import uuid

from server.clinics.models import Clinic
from server.countries import country_names
from server.extensions import db


def create_clinic(
    name: str, phone: str | None = None, *, country: str = "US", phone_hours: str | None = None
) -> Clinic:
    clinic = Clinic(
        id=uuid.uuid4(), name=name.strip(), phone=phone, country=country, phone_hours=phone_hours
    )
    db.session.add(clinic)
    db.session.flush()
    return clinic


def settings(clinic: Clinic) -> dict:
    """The clinic's name, country, phone and opening hours, as its admin edits them."""
    return {
        "id": clinic.id,
        "name": clinic.name,
        "country": clinic.country,
        "country_name": country_names().get(clinic.country, clinic.country),
        "phone": clinic.phone,
        "phone_hours": clinic.phone_hours,
    }


def update_settings(clinic: Clinic, data: dict) -> dict:
    """Replace all four (the schema has checked them); returns `settings`."""
    clinic.name = data["name"]
    clinic.country = data["country"]
    clinic.phone = data["phone"]
    clinic.phone_hours = data["phone_hours"]
    db.session.flush()
    return settings(clinic)
