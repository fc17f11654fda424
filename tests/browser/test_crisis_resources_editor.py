"""An admin edits the clinic's crisis resources in the workspace; patients see them."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import check_accessibility, fresh_rows

WORKSPACE = "/therapist/index.html"


@pytest.fixture
def clinic_admin():
    clinic = factories.clinic("Harbour KAP")
    admin = factories.user(clinic, "admin", display_name="Jo Admin")
    patient = factories.user(clinic, "patient", time_zone="UTC")
    return clinic.id, admin.email, patient.id


def open_editor(desk, live_server, staff_sign_in, email):
    staff_sign_in(desk, email, factories.STAFF_TOTP_SECRET)
    desk.get_by_role("link", name="Crisis resources").click()
    expect(desk.get_by_role("heading", name="Crisis resources", level=1)).to_be_visible()
    expect(desk.get_by_label("Clinic country")).to_be_visible()


def test_an_admin_sets_country_phone_hours_and_an_own_list(
    desk, live_server, staff_sign_in, clinic_admin
):
    from server.clinics.models import Clinic
    from server.crisis.models import ClinicCrisisResources

    clinic_id, email, _ = clinic_admin
    open_editor(desk, live_server, staff_sign_in, email)
    for scheme in ("light", "dark"):
        desk.emulate_media(color_scheme=scheme, reduced_motion="reduce")
        check_accessibility(desk, f"crisis resources editor ({scheme})")
    desk.emulate_media(color_scheme="light")

    desk.get_by_label("Clinic country").select_option(label="United Kingdom")
    expect(desk.get_by_text("Built in for United Kingdom:")).to_be_visible()
    expect(desk.get_by_text("Always shown as well: emergency services, 999.")).to_be_visible()
    desk.get_by_label("Clinic phone", exact=True).fill("020 7946 0000")
    desk.get_by_label("Opening hours").fill("Mon-Fri 9:00-17:00")
    desk.get_by_label("Our own list (for patients in the clinic's country)").check()
    line = desk.get_by_role("group", name="Line 1")
    line.get_by_label("Name", exact=True).fill("Harbour on-call")
    line.get_by_label("Phone", exact=True).fill("not a number")
    desk.get_by_role("button", name="Save crisis resources").click()
    # Refused, naming the line and field, and nothing is written.
    expect(desk.get_by_text("Line 1, phone: Digits, spaces and + only.")).to_be_visible()
    expect(line.get_by_label("Phone", exact=True)).to_have_attribute("aria-invalid", "true")
    assert fresh_rows(Clinic, id=clinic_id)[0].country == "US"
    check_accessibility(desk, "crisis resources editor, refused")

    line.get_by_label("Phone", exact=True).fill("020 7946 0001")
    desk.get_by_role("button", name="Save crisis resources").click()
    expect(
        desk.get_by_text("Saved. Patients in the clinic's country see your own list.")
    ).to_be_visible()
    [clinic] = fresh_rows(Clinic, id=clinic_id)
    assert (clinic.country, clinic.phone, clinic.phone_hours) == (
        "GB",
        "020 7946 0000",
        "Mon-Fri 9:00-17:00",
    )
    [stored] = fresh_rows(ClinicCrisisResources, clinic_id=clinic_id)
    assert stored.resources == [{"name": "Harbour on-call", "phone": "020 7946 0001"}]

    # Reloaded, the editor shows the saved list; then back to the built-in lines.
    desk.reload()
    expect(desk.get_by_label("Our own list (for patients in the clinic's country)")).to_be_checked()
    expect(desk.get_by_role("group", name="Line 1").get_by_label("Name", exact=True)).to_have_value(
        "Harbour on-call"
    )
    desk.get_by_label("The built-in lines for the clinic's country").check()
    expect(desk.get_by_role("group", name="Line 1")).to_be_hidden()
    desk.get_by_role("button", name="Save crisis resources").click()
    expect(desk.get_by_text("Saved. Patients see the built-in lines")).to_be_visible()
    [stored] = fresh_rows(ClinicCrisisResources, clinic_id=clinic_id)
    assert stored.resources is None


def test_the_editor_is_for_admins_only(desk, live_server, staff_sign_in, practice):
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    expect(desk.get_by_role("link", name="Crisis resources")).to_be_hidden()
    desk.goto(f"{live_server}{WORKSPACE}#/crisis-resources")
    expect(desk.get_by_role("heading", name="Caseload", level=1)).to_be_visible()
