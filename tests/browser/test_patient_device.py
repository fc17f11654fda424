"""The patient app on a phone as patients use it: one phone, sometimes two people,
keyboard and screen-reader use, and the patient's own copy of their data."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import end_session_on_the_server, open_app, sign_in_via_api


@pytest.fixture
def patient(care_team):
    return care_team[2]


@pytest.fixture
def other_patient(care_team):
    """A second patient of the same therapist, who uses the same phone."""
    from tests.browser.conftest import detached

    clinic, therapist, _ = care_team
    return detached(factories.user(clinic, "patient", therapist=therapist))[0]


def test_the_next_person_to_sign_in_never_sees_the_last_ones_drafts(
    page, live_server, patient, other_patient
):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/journal/new")
    page.get_by_label("What's on your mind?").fill("Robin's unsent words")
    expect(page.get_by_text("Kept on this phone as you write.")).to_be_visible()

    # Robin's session ends after a rest; someone else signs in on this phone.
    end_session_on_the_server(page, live_server)
    page.reload()
    expect(page.get_by_text("Your session has ended.")).to_be_visible()
    page.get_by_label("Email").fill(other_patient.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="New entry")).to_be_visible()
    expect(page.get_by_label("What's on your mind?")).to_have_value("")

    page.get_by_role("link", name="Journal", exact=True).click()
    page.get_by_role("link", name="Write an entry").click()
    expect(page.get_by_role("heading", name="New entry")).to_be_visible()
    expect(page.get_by_label("What's on your mind?")).to_have_value("")
    expect(page.get_by_text("We kept what you were writing.")).to_have_count(0)


def test_the_patient_downloads_a_copy_of_their_data_from_settings(page, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    page.get_by_role("group", name="How is your mood right now?").get_by_label(
        "6", exact=True
    ).click()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Saved. Thank you for checking in.")).to_be_visible()

    page.get_by_role("link", name="Settings").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    assert download.value.suggested_filename.startswith("between-export-")
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert [checkin["mood"] for checkin in data["checkins"]] == [6]

    with page.expect_download() as download:
        page.get_by_role("link", name="Questionnaires for another clinic (FHIR)").click()
    assert json.loads(Path(download.value.path()).read_text(encoding="utf-8"))["resourceType"] == (
        "Bundle"
    )


def test_check_in_again_takes_the_keyboard_to_the_mood_question(page, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    mood = page.get_by_role("group", name="How is your mood right now?")
    mood.get_by_label("4", exact=True).click()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Saved. Thank you for checking in.")).to_be_focused()

    page.get_by_role("button", name="Check in again").press("Enter")
    expect(mood.locator("legend")).to_be_focused()
    page.keyboard.press("Tab")
    expect(mood.get_by_label("0", exact=True)).to_be_focused()


def test_a_reload_right_after_typing_keeps_exactly_the_latest_words(page, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/journal/new")
    body = page.get_by_label("What's on your mind?")
    body.fill("The first words")
    expect(page.get_by_text("Kept on this phone as you write.")).to_be_visible()
    # The last words, then the app closes at once: no pause to be kept in.
    body.fill("The first words, and the last ones")
    page.reload()
    expect(page.get_by_text("We kept what you were writing.")).to_be_visible()
    expect(page.get_by_label("What's on your mind?")).to_have_value(
        "The first words, and the last ones"
    )

    # The check-in's note is kept the same way.
    page.goto(f"{live_server}/#/today")
    page.get_by_text("Add more (optional)").click()
    note = page.get_by_label("A note", exact=True)
    note.fill("A note")
    note.press_sequentially(" that goes on")
    page.reload()
    expect(page.get_by_label("A note", exact=True)).to_have_value("A note that goes on")

    # Signing out takes the kept words off the phone.
    page.goto(f"{live_server}/#/signout")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    kept = page.evaluate("JSON.stringify(localStorage)")
    assert "the last ones" not in kept and "goes on" not in kept
