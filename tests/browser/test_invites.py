"""Invitation links in real Chromium: a therapist invited by an admin joins in the
therapist workspace (password, then two-step sign-in, then the caseload), and
each app sends a link meant for the other one there."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import check_accessibility, confirm_enrolment

WORKSPACE = "/therapist/index.html"


def staff_invite(email, role="therapist"):
    """An invitation made by a new clinic's admin (committed); its clear token."""
    from server.auth import services
    from server.extensions import db
    from tests import factories

    clinic = factories.clinic("Lakeside KAP")
    admin = factories.user(clinic, "admin")
    _, token = services.create_invite(admin, email=email, role=role)
    db.session.commit()
    db.session.remove()
    return token


def test_an_invited_therapist_joins_in_the_workspace_and_sets_up_two_step_sign_in(
    browser, desk, live_server, practice, staff_sign_in
):
    staff_sign_in(desk, practice.admin_email, practice.secret)
    desk.get_by_role("navigation", name="Workspace").get_by_role("link", name="Invites").click()
    expect(desk.get_by_role("heading", name="Invite a therapist")).to_be_visible()
    desk.get_by_label("Therapist's email").fill("joining.therapist@example.test")
    desk.get_by_role("button", name="Create the invitation").click()
    link_box = desk.get_by_role("textbox", name="Invitation link")
    expect(link_box).to_have_value(re.compile(r"#/invite/"))
    link = link_box.input_value()
    assert link.startswith(f"{live_server}{WORKSPACE}#/invite/")

    # The new therapist opens the link on their own computer.
    laptop = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = laptop.new_page()
        page.goto(link)
        expect(
            page.get_by_role("heading", name="Join your clinic's workspace", level=1)
        ).to_be_visible()
        expect(page.get_by_text("joining.therapist@example.test")).to_be_visible()
        expect(page.get_by_text("Riverside KAP invited you")).to_be_visible()
        expect(page.get_by_text("What should your therapist see?")).to_have_count(0)
        expect(page.get_by_role("navigation", name="Workspace")).to_be_hidden()
        check_accessibility(page, "workspace invitation")

        # Too short: the error names the field and focus goes to it.
        password = page.get_by_label("Choose a password")
        password.fill("too short")
        page.get_by_role("button", name="Create my account").click()
        expect(page.get_by_role("alert")).to_contain_text("Password: use at least 12 characters.")
        expect(password).to_be_focused()
        expect(password).to_have_attribute("aria-invalid", "true")
        check_accessibility(page, "workspace invitation with an error")

        password.fill("a long and private passphrase")
        page.get_by_label("Your name (optional)").fill("Dr Jo Newcomer")
        page.get_by_role("button", name="Create my account").click()

        # Two-step sign-in comes before anything else.
        expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
        expect(page.get_by_role("navigation", name="Workspace")).to_be_hidden()
        expect(page.locator("code.secret")).to_be_visible()
        secret = page.locator("code.secret").inner_text().replace(" ", "")
        confirm_enrolment(page, secret)
        page.get_by_role("button", name="I've kept them: continue").click()
        expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
        expect(page.get_by_text("No patients yet.")).to_be_visible()
        expect(page.locator("#who-name")).to_have_text("Dr Jo Newcomer")

        # The link worked once: opened again (signed out), it says so.
        page.locator("#who").get_by_role("link", name="Sign out").click()
        expect(page.get_by_role("heading", name="You're signed out")).to_be_visible()
        page.goto(link)
        expect(page.get_by_text("This invitation link doesn't work any more")).to_be_visible()
    finally:
        laptop.close()


def test_the_patient_app_sends_a_staff_invitation_to_the_workspace(page, live_server):
    token = staff_invite("another.therapist@example.test")
    page.goto(f"{live_server}/#/invite/{token}")
    expect(page.get_by_text("This invitation is for the clinic's workspace")).to_be_visible()
    expect(page.get_by_text("What should your therapist see?")).to_have_count(0)
    expect(page.get_by_label("Choose a password")).to_have_count(0)
    check_accessibility(page, "patient app given a staff invitation")
    page.get_by_role("link", name="Open the invitation in the workspace").click()
    expect(
        page.get_by_role("heading", name="Join your clinic's workspace", level=1)
    ).to_be_visible()
    expect(page.get_by_text("another.therapist@example.test")).to_be_visible()
    assert page.url == f"{live_server}{WORKSPACE}#/invite/{token}"


def test_the_workspace_sends_a_patient_invitation_to_the_app(desk, live_server, care_team):
    from server.auth import services
    from server.extensions import db

    _, therapist, _ = care_team
    therapist = db.session.merge(therapist)
    _, token = services.create_invite(
        therapist, email="new.patient@example.test", role="patient", therapist=therapist
    )
    db.session.commit()
    db.session.remove()
    desk.goto(f"{live_server}{WORKSPACE}#/invite/{token}")
    expect(desk.get_by_text("This invitation is for the Between app")).to_be_visible()
    expect(desk.get_by_label("Choose a password")).to_have_count(0)
    desk.get_by_role("link", name="Open the invitation in the Between app").click()
    expect(desk.get_by_text("new.patient@example.test")).to_be_visible()
    expect(desk.get_by_text("What should your therapist see?")).to_be_visible()
