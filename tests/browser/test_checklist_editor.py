"""The clinic's preparation checklist, edited in the workspace, in real Chromium at 1280x800:
a therapist rewords, adds, moves and removes items, a refused item says why under it, the
patient's next session shows the new list, and the built-in list comes back on request."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from server.db import utcnow
from tests.browser.helpers import check_both_schemes, fresh_rows, screenshot, sign_in_via_api
from tests.factories import STAFF_TOTP_SECRET


@pytest.fixture
def home_dose(care_team):
    """A home dosing session in two days for the care team's patient."""
    from tests import factories
    from tests.browser.conftest import detached

    _clinic, therapist, patient = care_team
    when = utcnow() + timedelta(days=2)
    made = factories.ketamine_session(
        patient, created_by=therapist, scheduled_at=when, setting="home"
    )
    return detached(made)[0]


def _items(form):
    return form.get_by_role("group", name="Item", exact=False)


def test_a_therapist_edits_the_clinics_checklist_and_the_patient_sees_it(
    desk, page, live_server, care_team, home_dose, staff_sign_in, console_errors
):
    from server.companion.models import ClinicChecklist

    clinic, therapist, patient = care_team
    dose = home_dose
    staff_sign_in(desk, therapist.email, STAFF_TOTP_SECRET)
    expect(desk.get_by_role("heading", name="Caseload", level=1)).to_be_visible(timeout=15000)
    nav = desk.get_by_role("navigation", name="Workspace")
    nav.get_by_role("link", name="Preparation checklist").click()
    expect(desk.get_by_role("heading", name="Preparation checklist", level=1)).to_be_visible()
    form = desk.get_by_role("form", name="Items")
    expect(form).to_contain_text("Between's built-in list.")
    items = _items(form)
    expect(items).to_have_count(6)
    expect(items.nth(0).get_by_label("What the patient ticks")).to_have_value(
        "I know when to stop eating and drinking before the session, "
        "and I will follow the clinic's timing."
    )
    expect(items.nth(2).get_by_label("Home sessions only")).to_be_checked()
    check_both_schemes(desk, "preparation checklist")
    screenshot(desk, "therapist-checklist")

    # Reword the first item, drop "what to bring", add one and move it up one place.
    items.nth(0).get_by_label("What the patient ticks").fill(
        "I have stopped eating at the time the clinic gave me."
    )
    form.get_by_role("button", name="Remove item 5").click()
    expect(items).to_have_count(5)
    form.get_by_role("button", name="Add an item").click()
    expect(items.nth(5).get_by_label("What the patient ticks")).to_be_focused()
    # Saved empty first: refused, and said under the item itself.
    form.get_by_role("button", name="Save the checklist").click()
    empty = items.nth(5).get_by_label("What the patient ticks")
    expect(empty).to_have_attribute("aria-invalid", "true")
    expect(empty).to_be_focused()
    expect(form.get_by_role("alert")).to_contain_text("a field needs a change")
    check_both_schemes(desk, "preparation checklist refused")
    assert fresh_rows(ClinicChecklist, clinic_id=clinic.id) == []

    empty.fill("My glasses are packed, so I can read the aftercare sheet.")
    form.get_by_role("button", name="Move item 6 up").click()
    form.get_by_role("button", name="Save the checklist").click()
    expect(form.get_by_role("status")).to_contain_text("Saved the checklist.")
    expect(form).to_contain_text("Your clinic's own list.")
    [stored] = fresh_rows(ClinicChecklist, clinic_id=clinic.id)
    assert [item["key"] for item in stored.items] == [
        "fasting",
        "ride-home",
        "support-person",
        "medications",
        "my-glasses-are-packed",
        "blood-pressure",
    ]
    assert stored.items[0]["text"] == "I have stopped eating at the time the clinic gave me."
    assert console_errors == []

    # The patient's next session shows the clinic's list.
    sign_in_via_api(page, live_server, patient)
    page.goto(f"{live_server}/#/checklist/{dose.id}")
    expect(page.get_by_role("heading", name="Getting ready")).to_be_visible()
    expect(
        page.get_by_label("My glasses are packed, so I can read the aftercare sheet.")
    ).to_be_visible()
    expect(page.get_by_label("I have put out what I want with me", exact=False)).to_have_count(0)

    # And back to the built-in list.
    form.get_by_role("button", name="Back to the built-in list").click()
    expect(form.get_by_role("status")).to_contain_text("Back to Between's built-in checklist.")
    expect(form).to_contain_text("Between's built-in list.")
    expect(items).to_have_count(6)
    assert fresh_rows(ClinicChecklist, clinic_id=clinic.id) == []


def test_a_save_over_a_colleagues_newer_list_is_refused_and_says_so(
    desk, live_server, care_team, staff_sign_in
):
    from server.companion import checklist
    from server.companion.models import ClinicChecklist
    from server.extensions import db

    clinic, therapist, _patient = care_team
    staff_sign_in(desk, therapist.email, STAFF_TOTP_SECRET)
    expect(desk.get_by_role("heading", name="Caseload", level=1)).to_be_visible(timeout=15000)
    desk.get_by_role("navigation", name="Workspace").get_by_role(
        "link", name="Preparation checklist"
    ).click()
    form = desk.get_by_role("form", name="Items")
    expect(form).to_contain_text("Between's built-in list.")
    # While this editor is open, a colleague saves a list of their own.
    checklist.set_clinic_items(clinic.id, [{"text": "Eat lightly the day before"}], therapist.id)
    db.session.commit()
    _items(form).nth(0).get_by_label("What the patient ticks").fill("Bring warm socks.")
    form.get_by_role("button", name="Save the checklist").click()
    alert = form.get_by_role("alert")
    expect(alert).to_have_text("The checklist changed meanwhile. Reload it and try again.")
    [stored] = fresh_rows(ClinicChecklist, clinic_id=clinic.id)
    assert [item["text"] for item in stored.items] == ["Eat lightly the day before"]
