"""Crisis resources: 988 and the clinic's phone by default; each clinic may set its own."""

from server.audit.models import AuditEvent
from server.extensions import db
from tests import factories

URL = "/api/v1/crisis-resources"


def test_by_default_988_and_the_clinics_phone(as_user, clinic, patient):
    body = as_user(patient).get(URL).get_json()
    assert body["resources"][0]["phone"] == "988" and body["resources"][0]["sms"] == "988"
    assert body["resources"][-1]["phone"] == clinic.phone
    assert body["customised"] is False


def test_every_signed_in_user_reads_them_and_nobody_else(as_user, client, therapist):
    assert as_user(therapist).get(URL).status_code == 200
    assert client.get(URL).status_code == 401


def test_an_admin_sets_the_clinics_own_list(as_user, clinic, patient):
    admin = factories.user(clinic, "admin")
    other_clinics_patient = factories.user(factories.clinic(), "patient")
    chosen = {
        "resources": [
            {"name": "Samaritans", "phone": "116 123", "description": "Any time, free."},
            {"name": "Crisis text", "sms": "85258", "url": "https://giveusashout.org"},
        ],
        "message": "In an emergency call 999.",
        "include_clinic_phone": False,
    }
    saved = as_user(admin).put(URL, json=chosen)
    assert saved.status_code == 200
    seen = as_user(patient).get(URL).get_json()
    assert [r["name"] for r in seen["resources"]] == ["Samaritans", "Crisis text"]
    assert seen["message"] == "In an emergency call 999." and seen["customised"] is True
    assert as_user(other_clinics_patient).get(URL).get_json()["resources"][0]["phone"] == "988"
    assert db.session.query(AuditEvent).filter_by(action="crisis_resources_changed").count() == 1


def test_the_clinic_phone_follows_a_custom_list_unless_turned_off(as_user, clinic, patient):
    admin = factories.user(clinic, "admin")
    as_user(admin).put(URL, json={"resources": [{"name": "Local line", "phone": "555 0100"}]})
    names = [r["name"] for r in as_user(patient).get(URL).get_json()["resources"]]
    assert names == ["Local line", clinic.name]


def test_only_admins_change_them(as_user, therapist, patient):
    body = {"resources": [{"name": "X", "phone": "1"}]}
    assert as_user(therapist).put(URL, json=body).status_code == 403
    assert as_user(patient).put(URL, json=body).status_code == 403


def test_a_resource_must_be_reachable(as_user, clinic):
    admin = as_user(factories.user(clinic, "admin"))
    response = admin.put(URL, json={"resources": [{"name": "Nothing to call"}]})
    assert response.status_code == 422
    assert "resources.0.phone" in response.get_json()["errors"]
    assert admin.put(URL, json={"resources": []}).status_code == 422
    insecure = admin.put(URL, json={"resources": [{"name": "X", "url": "http://x.test"}]})
    assert insecure.status_code == 422
