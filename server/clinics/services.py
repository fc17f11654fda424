import uuid

from server.clinics.models import Clinic
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
