"""An admin's own clinic: its name, country, phone and opening hours (GET/PUT /clinic)."""

from sqlalchemy import select

from server.audit.models import AuditEvent
from server.clinics.models import Clinic
from server.extensions import db
from tests import factories

URL = "/api/v1/clinic"
GOOD = {
    "name": "Harbour Integration Clinic",
    "country": "GB",
    "phone": "+44 20 7946 0000",
    "phone_hours": "Mon-Fri 9:00-17:00",
}


def test_the_admin_reads_and_replaces_the_clinic_and_it_is_audited(as_user, clinic):
    admin = factories.user(clinic, "admin")
    client = as_user(admin)
    before = client.get(URL).get_json()
    assert before["name"] == clinic.name and before["country"] == "US"

    response = client.put(URL, json={**GOOD, "name": "  Harbour Integration Clinic  "})
    assert response.status_code == 200
    assert response.get_json() == {
        **GOOD,
        "id": str(clinic.id),
        "country_name": "Britain (UK)",
    }
    db.session.expire_all()
    stored = db.session.get(Clinic, clinic.id)
    assert (stored.name, stored.country, stored.phone, stored.phone_hours) == tuple(GOOD.values())
    assert client.get(URL).get_json()["phone_hours"] == GOOD["phone_hours"]
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "clinic_settings_changed")
    ).all()
    assert [(event.actor_id, event.object_id) for event in events] == [(admin.id, clinic.id)]


def test_the_crisis_resources_show_the_new_phone_and_hours(as_user, clinic, therapist):
    as_user(factories.user(clinic, "admin")).put(URL, json=GOOD)
    patient = factories.user(clinic, "patient", therapist=therapist)
    resources = as_user(patient).get("/api/v1/crisis-resources").get_json()["resources"]
    own = [resource for resource in resources if resource.get("clinic")]
    assert [(r["phone"], r["hours"]) for r in own] == [(GOOD["phone"], GOOD["phone_hours"])]


def test_no_phone_is_allowed_and_blank_means_none(as_user, clinic):
    client = as_user(factories.user(clinic, "admin"))
    response = client.put(URL, json={"name": "Quiet Clinic", "country": "au", "phone": " "})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["country"], body["phone"], body["phone_hours"]) == ("AU", None, None)


def test_bad_fields_are_named_and_nothing_changes(as_user, clinic):
    client = as_user(factories.user(clinic, "admin"))
    cases = {
        "name": {**GOOD, "name": "   "},
        "country": {**GOOD, "country": "XX"},
        "phone": {**GOOD, "phone": "call us"},
        "phone_hours": {**GOOD, "phone_hours": "x" * 121},
    }
    for field, body in cases.items():
        response = client.put(URL, json=body)
        assert response.status_code == 422, field
        assert response.mimetype == "application/problem+json"
        assert list(response.get_json()["errors"]) == [field]
    long_name = client.put(URL, json={**GOOD, "name": "n" * 201})
    assert "name" in long_name.get_json()["errors"]
    # Hours with no phone to answer: the phone is what is missing.
    hours_alone = client.put(URL, json={**GOOD, "phone": None})
    assert hours_alone.status_code == 422 and "phone" in hours_alone.get_json()["errors"]
    db.session.expire_all()
    assert db.session.get(Clinic, clinic.id).phone == "+1 555 0199"


def test_a_therapist_is_refused_and_another_clinic_is_never_touched(as_user, clinic, therapist):
    assert as_user(therapist).get(URL).status_code == 403
    assert as_user(therapist).put(URL, json=GOOD).status_code == 403
    elsewhere = factories.clinic("Elsewhere")
    as_user(factories.user(clinic, "admin")).put(URL, json=GOOD)
    db.session.expire_all()
    assert db.session.get(Clinic, elsewhere.id).name == "Elsewhere"
