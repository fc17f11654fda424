"""A patient deletes their account from Settings: never on one stray tap, never with a
wrong password, and once done nothing of theirs is left on the server or the phone."""

from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import (
    check_accessibility,
    fresh_rows,
    indexeddb_contents,
    open_app,
    sign_in_via_api,
)


def test_the_patient_deletes_their_account_and_everything_goes(page, live_server, care_team):
    from server.auth.models import User
    from server.journal.models import CheckIn

    patient = care_team[2]
    factories.checkin(patient, note="Words for nobody else.")
    from server.extensions import db

    db.session.remove()
    sign_in_via_api(page, live_server, patient)
    # A draft on the phone, kept while the account is.
    open_app(page, live_server, "/journal/new")
    page.get_by_label("What's on your mind?").fill("An unsent thought")
    expect(page.get_by_text("Kept on this phone as you write.")).to_be_visible()

    page.get_by_role("link", name="Settings").click()
    section = page.get_by_role("region", name="Delete my account")
    expect(section).to_contain_text("for good")
    expect(section).to_contain_text("Your therapist will no longer see any of it.")
    expect(section.get_by_role("link", name="Download a copy of my data")).to_be_visible()

    # One tap only opens the question; asking for the password, nothing deleted yet.
    section.get_by_role("button", name="Delete my account…").click()
    password = section.get_by_label("Your password")
    expect(password).to_be_focused()
    confirm = section.get_by_role("button", name="Delete my account and data for good")
    confirm.click()
    expect(section.get_by_role("alert")).to_have_text(
        "Enter your password to confirm. Nothing has been deleted."
    )

    # A wrong password deletes nothing, here or on the server.
    password.fill("not the password at all")
    confirm.click()
    expect(section.get_by_role("alert")).to_have_text(
        "That password is not right. Nothing has been deleted."
    )
    expect(password).to_be_focused()
    check_accessibility(page, "settings, deleting the account, wrong password")
    assert page.request.get(live_server + "/api/v1/auth/me").ok
    assert len(fresh_rows(User, id=patient.id)) == 1
    kept = page.evaluate("JSON.stringify(localStorage)")
    assert "between.draft:" in kept and "An unsent thought" not in kept  # kept, sealed

    # Changing one's mind closes the question and gives the keyboard back.
    section.get_by_role("button", name="Keep my account").click()
    expect(password).to_be_hidden()
    expect(section.get_by_role("button", name="Delete my account…")).to_be_focused()

    section.get_by_role("button", name="Delete my account…").click()
    password.fill(factories.PASSWORD)
    confirm.click()
    expect(page.get_by_role("heading", name="Your account and data are deleted")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    check_accessibility(page, "account deleted")

    # Gone from the server: no rows, no session, and no signing in again.
    assert fresh_rows(User, id=patient.id) == []
    assert fresh_rows(CheckIn, patient_id=patient.id) == []
    assert page.request.get(live_server + "/api/v1/auth/me").status == 401
    again = page.request.post(
        live_server + "/api/v1/auth/login",
        data={"email": patient.email, "password": factories.PASSWORD},
        headers={"Origin": live_server},
    )
    assert not again.ok

    # Gone from the phone: the draft, the outbox, the cached "me".
    assert "between.draft:" not in page.evaluate("JSON.stringify(localStorage)")
    stored = indexeddb_contents(page)
    assert all(records == [] for records in stored.values()), stored

    # Reopened, the app still says so; signing in again is refused.
    page.reload()
    expect(page.get_by_role("heading", name="Your account and data are deleted")).to_be_visible()
    page.get_by_role("link", name="Sign in with another account").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill(patient.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).not_to_be_empty()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
