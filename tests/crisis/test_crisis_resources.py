"""Crisis resources: chosen by country, the clinic's own list and phone, edited by admins."""

import pytest

from server.audit.models import AuditEvent
from server.clinics.models import Clinic
from server.countries import zone_country
from server.crisis.defaults import data
from server.extensions import db
from tests import factories

URL = "/api/v1/crisis-resources"


def names(body):
    return [resource["name"] for resource in body["resources"]]


def test_by_default_988_the_emergency_number_and_the_clinics_phone(as_user, clinic, patient):
    body = as_user(patient).get(URL).get_json()
    assert body["country"] == "US" and body["chosen_by"] == "time_zone"
    assert body["resources"][0]["phone"] == "988" and body["resources"][0]["sms"] == "988"
    text_line = body["resources"][1]
    assert (text_line["sms"], text_line["sms_body"]) == ("741741", "HOME")
    assert body["emergency"]["phone"] == "911"
    assert body["resources"][-1]["phone"] == clinic.phone
    assert body["customised"] is False


@pytest.mark.parametrize(
    ("time_zone", "country", "phones", "emergency"),
    [
        ("America/Toronto", "CA", ["988"], "911"),
        ("Europe/London", "GB", ["116 123", "111"], "999"),
        ("Europe/Dublin", "IE", ["116 123", "1800 247 247"], "112"),
        ("Australia/Sydney", "AU", ["13 11 14", "1300 659 467"], "000"),
        ("Pacific/Auckland", "NZ", ["1737", "0800 543 354"], "111"),
        ("Europe/Berlin", "DE", [], "112"),
        ("US/Pacific", "US", ["988"], "911"),
    ],
)
def test_the_list_fits_the_country_of_the_patients_time_zone(
    as_user, clinic, time_zone, country, phones, emergency
):
    patient = factories.user(clinic, "patient", time_zone=time_zone)
    body = as_user(patient).get(URL).get_json()
    assert body["country"] == country and body["chosen_by"] == "time_zone"
    shown = [r["phone"] for r in body["resources"] if r.get("phone") and not r.get("clinic")]
    assert shown == phones
    assert body["emergency"]["phone"] == emergency
    # The clinic's phone is there wherever the patient is.
    assert body["resources"][-1]["phone"] == clinic.phone


def test_elsewhere_gets_112_and_a_helpline_directory(as_user, clinic):
    patient = factories.user(clinic, "patient", time_zone="Asia/Tokyo")
    body = as_user(patient).get(URL).get_json()
    assert body["country"] == "JP" and body["country_name"] == "Japan"
    assert body["emergency"]["phone"] == "112"
    assert body["resources"][0]["url"] == "https://findahelpline.com"


def test_a_zone_of_no_country_takes_the_clinics_country(as_user):
    clinic = factories.clinic()
    clinic.country = "NZ"
    db.session.commit()
    patient = factories.user(clinic, "patient", time_zone="UTC")
    body = as_user(patient).get(URL).get_json()
    assert (body["country"], body["chosen_by"]) == ("NZ", "clinic")
    assert body["emergency"]["phone"] == "111"


def test_the_patients_own_country_wins_and_can_go_back_to_automatic(as_user, patient):
    client = as_user(patient)
    changed = client.patch("/api/v1/me/settings", json={"country": "AU"})
    assert changed.status_code == 200 and changed.get_json()["country"] == "AU"
    body = client.get(URL).get_json()
    assert (body["country"], body["chosen_by"]) == ("AU", "setting")
    assert body["emergency"]["phone"] == "000"
    assert client.get("/api/v1/me/export").get_json()["settings"]["country"] == "AU"
    client.patch("/api/v1/me/settings", json={"country": None})
    assert client.get(URL).get_json()["country"] == "US"


def test_a_country_that_does_not_exist_is_refused(as_user, patient):
    response = as_user(patient).patch("/api/v1/me/settings", json={"country": "XX"})
    assert response.status_code == 422
    assert "country" in response.get_json()["errors"]


def test_an_admin_sets_the_clinics_own_list(as_user, clinic, patient):
    admin = factories.user(clinic, "admin")
    other_clinics_patient = factories.user(factories.clinic(), "patient")
    chosen = {
        "resources": [
            {"name": "Samaritans", "phone": "116 123", "description": "Any time, free."},
            {"name": "Crisis text", "sms": "85258", "url": "https://giveusashout.org"},
        ],
        "message": "Out of hours, our on-call nurse answers the clinic phone.",
        "include_clinic_phone": False,
    }
    saved = as_user(admin).put(URL, json=chosen)
    assert saved.status_code == 200
    seen = as_user(patient).get(URL).get_json()
    assert names(seen) == ["Samaritans", "Crisis text"]
    assert seen["message"] == chosen["message"] and seen["customised"] is True
    # Whatever list is served, the emergency number is given.
    assert seen["emergency"]["phone"] == "911"
    assert as_user(other_clinics_patient).get(URL).get_json()["resources"][0]["phone"] == "988"
    assert db.session.query(AuditEvent).filter_by(action="crisis_resources_changed").count() == 1


def test_the_clinics_list_is_for_its_country_only(as_user, clinic, patient):
    admin = factories.user(clinic, "admin")
    as_user(admin).put(URL, json={"resources": [{"name": "Local line", "phone": "555 0100"}]})
    abroad = factories.user(clinic, "patient", time_zone="Europe/London")
    body = as_user(abroad).get(URL).get_json()
    assert names(body)[:2] == ["Samaritans", "NHS 111"] and body["customised"] is False
    assert names(body)[-1] == clinic.name


def test_the_clinic_phone_follows_a_custom_list_unless_turned_off(as_user, clinic, patient):
    admin = factories.user(clinic, "admin")
    as_user(admin).put(URL, json={"resources": [{"name": "Local line", "phone": "555 0100"}]})
    assert names(as_user(patient).get(URL).get_json()) == ["Local line", clinic.name]


def test_a_resource_must_be_reachable(as_user, clinic):
    admin = as_user(factories.user(clinic, "admin"))
    response = admin.put(URL, json={"resources": [{"name": "Nothing to call"}]})
    assert response.status_code == 422
    assert "resources.0.phone" in response.get_json()["errors"]
    assert admin.put(URL, json={"resources": []}).status_code == 422
    insecure = admin.put(URL, json={"resources": [{"name": "X", "url": "http://x.test"}]})
    assert insecure.status_code == 422
    letters = admin.put(URL, json={"resources": [{"name": "X", "phone": "call us"}]})
    assert letters.status_code == 422 and "resources.0.phone" in letters.get_json()["errors"]


# --- the admin's editor: country, phone, opening hours and list -------------------------


def settings_url(clinic_id):
    return f"/api/v1/clinics/{clinic_id}/crisis-resources"


def test_an_admin_sets_country_phone_hours_and_goes_back_to_the_built_in_list(as_user, clinic):
    admin = as_user(factories.user(clinic, "admin"))
    shown = admin.get(settings_url(clinic.id)).get_json()
    assert shown["country"] == "US" and shown["resources"] is None
    assert shown["built_in"]["emergency"]["phone"] == "911"
    chosen = {
        "country": "GB",
        "phone": "020 7946 0000",
        "phone_hours": "Mon-Fri 9:00-17:00",
        "resources": None,
        "message": None,
        "include_clinic_phone": True,
    }
    saved = admin.put(settings_url(clinic.id), json=chosen)
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["country_name"] == "United Kingdom"
    assert saved.get_json()["built_in"]["emergency"]["phone"] == "999"
    # A patient with no country of their own and a zone of none: the clinic's country.
    patient = factories.user(clinic, "patient", time_zone="Etc/UTC")
    body = as_user(patient).get(URL).get_json()
    assert body["country"] == "GB" and body["emergency"]["phone"] == "999"
    clinic_line = body["resources"][-1]
    assert (clinic_line["name"], clinic_line["phone"]) == (clinic.name, "020 7946 0000")
    assert clinic_line["hours"] == "Mon-Fri 9:00-17:00" and clinic_line["clinic"] is True
    own = dict(chosen, resources=[{"name": "Our line", "phone": "020 7946 0001"}])
    admin.put(settings_url(clinic.id), json=own)
    assert names(as_user(patient).get(URL).get_json()) == ["Our line", clinic.name]
    admin.put(settings_url(clinic.id), json=chosen)
    assert names(as_user(patient).get(URL).get_json())[0] == "Samaritans"
    assert db.session.query(AuditEvent).filter_by(action="crisis_resources_changed").count() == 3


def test_the_editor_refuses_bad_input_naming_the_field(as_user, clinic):
    admin = as_user(factories.user(clinic, "admin"))
    base = {"country": "GB", "phone": None, "resources": None}
    for change, field in [
        ({"country": "UK"}, "country"),
        ({"phone": "ring us"}, "phone"),
        ({"resources": []}, "resources"),
        ({"country": None}, "country"),
    ]:
        response = admin.put(settings_url(clinic.id), json=base | change)
        assert response.status_code == 422, change
        assert field in response.get_json()["errors"], change
    missing = admin.put(settings_url(clinic.id), json={"country": "GB"})
    assert missing.status_code == 422 and "resources" in missing.get_json()["errors"]
    assert db.session.get(Clinic, clinic.id).country == "US"


def test_the_editor_is_for_the_clinics_own_admins(as_user, clinic):
    # Other roles are refused by the authorization matrix; another clinic's admin is 404.
    body = {"country": "GB", "phone": None, "resources": None}
    elsewhere = as_user(factories.user(factories.clinic(), "admin"))
    assert elsewhere.get(settings_url(clinic.id)).status_code == 404
    refused = elsewhere.put(settings_url(clinic.id), json=body)
    assert refused.status_code == 404
    assert refused.mimetype == "application/problem+json"
    assert db.session.get(Clinic, clinic.id).country == "US"


def test_the_countries_to_choose_from(as_user, patient):
    items = as_user(patient).get(URL + "/countries").get_json()["items"]
    by_code = {item["code"]: item for item in items}
    assert by_code["GB"]["name"] == "United Kingdom" and by_code["GB"]["built_in"] is True
    assert by_code["FR"]["built_in"] is False
    assert {code for code, item in by_code.items() if item["built_in"]} == set(data()["countries"])


def test_the_apps_zones_agree_with_the_tz_database():
    """The app chooses by the phone's zone offline; it must choose what the server would."""
    for country, listed in data()["countries"].items():
        assert listed["zones"], country
        for zone in listed["zones"]:
            assert zone_country(zone) == country, zone
