"""The staff session in the browser: a calm warning before the 15-minute idle sign-out,
staying signed in, the screen cleared when it ends, and nothing of the workspace in the
patient app."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import end_session_on_the_server

WORKSPACE = "/therapist/index.html"


def test_a_warning_comes_before_the_idle_sign_out_and_staying_keeps_the_session(
    desk, live_server, practice, staff_sign_in
):
    desk.clock.install()
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    expect(desk.locator("table.caseload tbody tr")).to_have_count(3)  # every request answered
    warning = desk.get_by_role("dialog", name="Still there?")
    expect(warning).to_be_hidden()

    desk.clock.fast_forward("12:00")
    expect(warning).to_be_hidden()
    desk.clock.fast_forward("01:10")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("signed out after 15 minutes without activity")
    expect(warning.get_by_text(re.compile(r"Signing out in 1:\d\d\."))).to_be_visible()
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    stay.click()
    expect(warning).to_be_hidden()
    expect(desk.get_by_role("heading", name="Caseload")).to_be_visible()

    # Another 13 minutes from staying: the warning again, not earlier.
    desk.clock.fast_forward("12:00")
    expect(warning).to_be_hidden()
    desk.clock.fast_forward("01:10")
    expect(warning).to_be_visible()
    # Escape means "I'm here" too.
    desk.keyboard.press("Escape")
    expect(warning).to_be_hidden()
    response = desk.request.get(f"{live_server}/api/v1/auth/me")
    assert response.ok


def test_when_the_idle_time_runs_out_the_screen_clears_and_sign_in_says_why(
    desk, live_server, practice, staff_sign_in
):
    desk.clock.install()
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    desk.get_by_role("link", name="Robin Ash", exact=True).click()
    expect(desk.get_by_text("My chest felt open, like a window left ajar.")).to_be_visible()

    desk.clock.fast_forward("15:00")
    expect(desk.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(
        desk.get_by_text("You were signed out after 15 minutes without activity")
    ).to_be_visible()
    expect(desk.get_by_text("My chest felt open")).to_have_count(0)
    expect(desk.get_by_role("navigation", name="Workspace")).to_be_hidden()
    expect(desk.get_by_role("dialog")).to_be_hidden()
    # Ended on the server too, not only on this screen.
    assert desk.request.get(f"{live_server}/api/v1/auth/me").status == 401


def test_a_session_ended_by_the_server_returns_to_sign_in_and_then_to_the_same_place(
    desk, live_server, practice, staff_sign_in
):
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    desk.get_by_role("link", name="Flags, 2 open").click()
    expect(desk.get_by_role("heading", name="Flags", level=1)).to_be_visible()
    card = desk.locator(".flag-card").first
    # The flags are on screen before the session ends; the heading comes first,
    # and a list still loading when it ends would meet the 401 itself.
    expect(card.get_by_label("What was done")).to_be_visible()
    # The session ends elsewhere (another tab signed out, an admin revoked it).
    end_session_on_the_server(desk, live_server)
    card.get_by_label("What was done").select_option(label="Contacted the patient")
    card.get_by_role("button", name="Acknowledge").click()
    expect(desk.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(desk.get_by_text("Your session has ended. Sign in again to carry on.")).to_be_visible()
    expect(desk.locator(".flag-card")).to_have_count(0)

    staff_sign_in(desk, practice.therapist_email, practice.secret, open_page=False)
    expect(desk.get_by_role("heading", name="Flags", level=1)).to_be_visible()


def test_a_patient_is_turned_away_from_the_workspace(desk, live_server, care_team):
    from server.extensions import db
    from tests import factories

    _, _, patient = care_team
    email = patient.email
    db.session.remove()
    desk.goto(f"{live_server}{WORKSPACE}#/signin")
    desk.get_by_label("Email").fill(email)
    desk.get_by_label("Password").fill(factories.PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    expect(desk.get_by_role("heading", name="This workspace is for clinic staff")).to_be_visible()
    expect(desk.get_by_role("link", name="Open your journal")).to_have_attribute("href", "/")
    assert desk.request.get(f"{live_server}/api/v1/patients").status == 403


def test_the_patient_app_never_downloads_workspace_code(page, live_server, care_team):
    from tests.browser.helpers import open_app, sign_in_via_api

    _, _, patient = care_team
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/today")
    for route in ("/journal", "/trend", "/sharing", "/settings"):
        open_app(page, live_server, route)
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    cached = page.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
              for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
            }
            return urls;
        }"""
    )
    assert fetched and not [url for url in fetched + cached if "/therapist/" in url]
