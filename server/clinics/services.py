import uuid

from server.clinics.models import Clinic
from server.extensions import db


def create_clinic(name: str, phone: str | None = None) -> Clinic:
    clinic = Clinic(id=uuid.uuid4(), name=name.strip(), phone=phone)
    db.session.add(clinic)
    db.session.flush()
    return clinic
