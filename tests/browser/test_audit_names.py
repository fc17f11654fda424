"""The admin's audit log names people: who acted and whose data, with a short id
beside each name so two people of one name stay apart."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import FirstRequestHeld

WORKSPACE = "/therapist/index.html"


def add_events(practice):
    """The therapist reads Robin's brief; a namesake of the therapist signs in."""
    from server.audit.services import record
    from server.auth.models import User
    from server.clinics.models import Clinic
    from server.extensions import db
    from tests import factories

    therapist = db.session.get(User, practice.therapist_id)
    record("brief_read", actor=therapist, patient_id=practice.robin, object_type="brief")
    namesake = factories.user(
        db.session.get(Clinic, practice.clinic_id), "therapist", display_name="Dr Morgan Lee"
    )
    record("login", actor=namesake)
    db.session.commit()
    namesake_id = namesake.id
    db.session.remove()
    return namesake_id


def filter_by_action(page, action):
    page.get_by_label("What happened").select_option(action)
    page.get_by_role("button", name="Filter").click()
    cell = page.locator("table.audit tbody tr td:nth-child(4)").first
    expect(cell).to_have_attribute("data-action", action)


def test_the_admin_sees_who_did_what_by_name(desk, live_server, practice, staff_sign_in):
    namesake_id = add_events(practice)
    therapist_short = str(practice.therapist_id)[:8]
    namesake_short = str(namesake_id)[:8]
    staff_sign_in(desk, practice.admin_email, practice.secret)
    expect(desk.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    expect(desk.locator(".loading")).to_have_count(0)
    # Each action is offered in plain words, not by its name.
    expect(
        desk.get_by_label("What happened").locator("option[value=login_failed_totp]")
    ).to_have_text("Failed to sign in: wrong authenticator code")

    events = desk.locator("table.audit tbody tr")
    filter_by_action(desk, "brief_read")
    expect(events).to_have_count(1)
    expect(events.first.locator("td:nth-child(4)")).to_have_text("Read the patient's session brief")
    who = events.first.locator("td:nth-child(2)")
    expect(who).to_contain_text("Dr Morgan Lee")
    expect(who).to_contain_text(therapist_short)
    expect(events.first.locator("td:nth-child(5)")).to_contain_text("Robin Ash")
    # The name is the button's name: a screen reader hears who, then what it does.
    therapist_button_name = f"Dr Morgan Lee {therapist_short}: show only this person's events"
    therapist_button = who.get_by_role("button", name=therapist_button_name)
    expect(therapist_button).to_have_attribute("title", re.compile(str(practice.therapist_id)))

    # Two people of one name: the short id tells them apart.
    filter_by_action(desk, "login")
    namesake_row = events.filter(has_text=namesake_short)
    expect(namesake_row).to_have_count(1)
    expect(namesake_row.locator("td:nth-child(2)")).to_contain_text("Dr Morgan Lee")
    expect(namesake_row.locator("td:nth-child(2)")).not_to_contain_text(therapist_short)

    # Choosing the therapist's name filters the log by them, and only them: the
    # namesake's sign-in, shown among every event before, goes.
    desk.get_by_label("What happened").select_option("")
    desk.get_by_role("button", name="Filter").click()
    namesake_cells = events.locator("td:nth-child(2)", has_text=namesake_short)
    expect(namesake_cells).to_have_count(1)
    events.get_by_role("button", name=therapist_button_name).first.click()
    expect(desk.get_by_label("Who (user id)")).to_have_value(str(practice.therapist_id))
    expect(namesake_cells).to_have_count(0)
    expect(events.first.locator("td:nth-child(2)")).to_contain_text(therapist_short)


def test_dates_the_wrong_way_round_are_named_as_such(desk, live_server, practice, staff_sign_in):
    staff_sign_in(desk, practice.admin_email, practice.secret)
    expect(desk.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    expect(desk.locator(".loading")).to_have_count(0)
    desk.get_by_label("From").fill("2030-01-02")
    desk.get_by_label("Until (inclusive)").fill("2030-01-01")
    desk.get_by_role("button", name="Filter").click()
    expect(desk.get_by_role("alert").filter(has_text="wrong way round")).to_be_visible()
    expect(desk.get_by_label("From")).to_be_focused()
    expect(desk.get_by_text("No events match.")).to_have_count(0)


def test_without_the_list_of_actions_an_action_is_typed_by_name(
    desk, live_server, practice, staff_sign_in
):
    add_events(practice)
    # The list cannot load (a proxy in the way, say); the log itself still can.
    desk.route(
        "**/api/v1/audit/actions",
        lambda route: route.fulfill(
            status=503, content_type="application/problem+json", body='{"status": 503}'
        ),
    )
    staff_sign_in(desk, practice.admin_email, practice.secret)
    expect(desk.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    action = desk.get_by_label("What happened")
    expect(action).to_have_accessible_description(re.compile("could not load: type"))
    action.fill("brief_read")
    desk.get_by_role("button", name="Filter").click()
    cells = desk.locator("table.audit tbody tr td:nth-child(4)")
    expect(cells.first).to_have_text("Read the patient's session brief")
    assert {cell.get_attribute("data-action") for cell in cells.all()} == {"brief_read"}


def test_a_filter_chosen_while_the_log_loads_is_the_one_shown(
    desk, live_server, practice, staff_sign_in
):
    add_events(practice)
    # The log's first, unfiltered page is held until the filtered one has shown.
    unfiltered = FirstRequestHeld(desk, desk, re.compile(r"/api/v1/audit\?limit=100$"))
    staff_sign_in(desk, practice.admin_email, practice.secret)
    expect(desk.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    action = desk.get_by_label("What happened")
    expect(action.locator("option[value=brief_read]")).to_have_count(1)
    assert unfiltered.held
    filter_by_action(desk, "brief_read")
    events = desk.locator("table.audit tbody tr")
    expect(events).to_have_count(1)
    unfiltered.release()  # read, and set aside
    expect(events).to_have_count(1)
    expect(events.first.locator("td:nth-child(4)")).to_have_attribute("data-action", "brief_read")
    expect(desk.get_by_text("1 event shown.")).to_be_visible()
