"""A patient's day in real Chromium: sign in, check in, journal, PHQ-9, sharing, settings."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    api_post,
    fresh_rows,
    open_app,
    sign_in_via_api,
    sign_in_with_form,
)


def pick(page, group: str, name: str) -> None:
    """Tap an answer (a radio or checkbox drawn as a big tile) inside a labelled group."""
    page.get_by_role("group", name=group).get_by_label(name, exact=True).click()


@pytest.fixture
def patient(care_team):
    return care_team[2]


def test_a_check_in_with_mood_alone_takes_two_taps(page, live_server, patient, console_errors):
    from server.journal.models import CheckIn

    sign_in_with_form(page, live_server, patient)
    checkin = page.get_by_role("group", name="How is your mood right now?")
    checkin.get_by_role("radio", name="6", exact=True).click()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Saved. Thank you for checking in.")).to_be_visible()
    expect(page.get_by_role("status").first).to_have_text("Everything you wrote is sent.")
    [row] = fresh_rows(CheckIn, patient_id=patient.id)
    assert row.mood == 6
    assert row.anxiety is None and row.note is None
    assert row.shared is True  # the patient's default
    assert console_errors == []


def test_a_full_check_in_keeps_every_field(page, live_server, patient):
    from server.journal.models import CheckIn

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    pick(page, "How is your mood right now?", "3")
    page.get_by_text("Add more (optional)").click()
    pick(page, "Anxiety", "7")
    pick(page, "Energy", "2")
    pick(page, "Last night's sleep", "4")
    pick(page, "Feelings you notice", "tender")
    pick(page, "Feelings you notice", "tired")
    page.get_by_label("A note").fill("Heavy afternoon, softer by evening.")
    page.get_by_label("Share with my therapist").uncheck()
    page.get_by_label("I'd like to talk about this next session").check()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Saved. Thank you for checking in.")).to_be_visible()
    [row] = fresh_rows(CheckIn, patient_id=patient.id)
    assert (row.mood, row.anxiety, row.energy, row.sleep_quality) == (3, 7, 2, 4)
    assert sorted(row.emotions) == ["tender", "tired"]
    assert row.note == "Heavy afternoon, softer by evening."
    assert row.shared is False and row.discuss_next_session is True


def test_journal_write_edit_mark_share_and_delete(page, live_server, patient, console_errors):
    from server.journal.models import JournalEntry as Entry

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/journal")
    page.get_by_role("link", name="Write an entry").click()
    page.get_by_label("What's on your mind?").fill("The colours were loud, then quiet.")
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_text("Your entry is saved.")).to_be_visible()
    entry = page.get_by_role("article").filter(has_text="The colours were loud")
    expect(entry).to_be_visible()
    [row] = fresh_rows(Entry, patient_id=patient.id)
    assert row.body == "The colours were loud, then quiet." and row.shared is True

    entry.get_by_role("link", name="Edit").click()
    page.get_by_label("What's on your mind?").fill("The colours were loud, then quiet. I cried.")
    page.get_by_role("button", name="Save entry").click()
    entry = page.get_by_role("article").filter(has_text="I cried.")
    expect(entry).to_be_visible()

    entry.get_by_label("Talk about this next session").check()
    expect(entry.get_by_role("status")).to_have_text("Saved.")
    entry.get_by_role("switch", name="Shared with my therapist").uncheck()
    expect(entry.get_by_role("status")).to_have_text("Saved.")
    [row] = fresh_rows(Entry, patient_id=patient.id)
    assert row.body.endswith("I cried.")
    assert row.discuss_next_session is True and row.shared is False

    entry.get_by_role("button", name="Delete").click()
    page.get_by_role("button", name="Yes, delete").click()
    expect(page.get_by_text("I cried.")).to_have_count(0)
    assert fresh_rows(Entry, patient_id=patient.id) == []
    assert console_errors == []


def test_answering_the_prompt_of_the_day(page, live_server, patient):
    from server.journal.models import JournalEntry as Entry

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    prompt_card = page.get_by_role("region", name="A prompt for today")
    prompt_card.get_by_role("link", name="Write about this").click()
    expect(page.get_by_role("heading", name="New entry")).to_be_visible()
    page.get_by_label("Your reflection").fill("What I want to keep from today: patience.")
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_text("Your entry is saved.")).to_be_visible()
    [row] = fresh_rows(Entry, patient_id=patient.id)
    assert row.prompt_id is not None


def test_phq9_with_item_9_shows_crisis_resources_at_once(page, live_server, patient):
    from server.measures.models import MeasureResponse

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/measures/phq9")
    answers = [1, 2, 1, 0, 1, 2, 0, 1, 1]
    labels = ["Not at all", "Several days", "More than half the days", "Nearly every day"]
    for number, value in enumerate(answers, start=1):
        expect(page.get_by_text(f"Question {number} of 9")).to_be_visible()
        # A tap on an answer moves on by itself.
        page.get_by_role("radio", name=labels[value], exact=True).click()
    # Then the unscored difficulty item, asked after item 9.
    expect(page.get_by_text("One more question (optional)")).to_be_visible()
    difficulty = page.get_by_text("how difficult have these problems made it", exact=False)
    expect(difficulty).to_be_visible()
    page.get_by_role("radio", name="Somewhat difficult", exact=True).click()
    expect(page.get_by_role("heading", name="Ready to send")).to_be_visible()
    page.get_by_role("button", name="Send my answers").click()
    crisis = page.get_by_role("region", name="You don't have to carry this alone")
    expect(crisis).to_be_visible()
    expect(crisis.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(page.get_by_text("Your score: 9 of 27")).to_be_visible()
    [row] = fresh_rows(MeasureResponse, patient_id=patient.id)
    assert row.answers == answers and row.difficulty == 1


def test_sharing_revokes_at_once(page, live_server, patient):
    from server.extensions import db
    from server.journal.models import CheckIn

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    api_post(
        page,
        live_server,
        "/checkins",
        {
            "id": str(uuid.uuid4()),
            # Minutes ago: this account was made just now, and nothing of it can be older.
            "recorded_at": (datetime.now(UTC) - timedelta(minutes=2)).isoformat(),
            "mood": 4,
            "shared": True,
        },
    )
    open_app(page, live_server, "/sharing")
    section = page.get_by_role("region", name="Check-ins")
    toggle = section.get_by_role("switch", name="Shared with my therapist")
    expect(toggle).to_be_checked()
    toggle.uncheck()
    expect(section.get_by_role("status")).to_have_text("Private now.")
    [row] = fresh_rows(CheckIn, patient_id=patient.id)
    assert row.shared is False

    from server.measures.models import MeasureResponse
    from tests import factories

    factories.measure_response(patient, "gad7", answers=[1, 1, 1, 1, 1, 1, 1], shared=True)
    db.session.rollback()
    page.reload()
    answers = page.get_by_role("region", name="Check-ups")
    answers.get_by_role("switch", name="Shared with my therapist").uncheck()
    expect(answers.get_by_role("status")).to_have_text("Private now.")
    [response] = fresh_rows(MeasureResponse, patient_id=patient.id)
    assert response.shared is False

    page.get_by_role("switch", name="Share new check-ins, entries and check-ups").uncheck()
    expect(page.get_by_text("New items start private.")).to_be_visible()
    [user] = fresh_rows(type(patient), id=patient.id)
    assert user.share_by_default is False


def test_settings_save_the_reminder_time_and_quiet_hours(page, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/settings")
    page.get_by_label("Daily check-in reminder").fill("20:30")
    page.get_by_label("From").fill("22:00")
    page.get_by_label("Until").fill("07:30")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()
    [user] = fresh_rows(type(patient), id=patient.id)
    assert user.checkin_time.strftime("%H:%M") == "20:30"
    assert user.quiet_hours_start.strftime("%H:%M") == "22:00"
    assert user.time_zone == "Europe/Paris"


def test_accepting_an_invitation(page, live_server, care_team):
    from server.auth import services
    from server.auth.models import User
    from server.extensions import db

    _, therapist, _ = care_team
    _, token = services.create_invite(
        therapist,
        email="new.patient@example.test",
        role="patient",
        display_name="Sam",
        therapist=therapist,
    )
    db.session.commit()
    page.goto(f"{live_server}/#/invite/{token}")
    expect(page.get_by_text("Hello, Sam.")).to_be_visible()
    page.get_by_label("Keep new items private, unless I choose to share one").check()
    page.get_by_label("Choose a password").fill("short")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Your password needs at least 12 characters.")).to_be_visible()
    page.get_by_label("Choose a password").fill("a river runs past the old mill")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    [user] = fresh_rows(User, email="new.patient@example.test")
    assert user.share_by_default is False
    assert user.time_zone == page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")


def test_keyboard_users_answer_at_their_own_pace(page, live_server, patient):
    """Arrow keys move between answers without skipping ahead; Next moves on."""
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/measures/gad7")
    expect(page.get_by_text("Question 1 of 7")).to_be_visible()
    first = page.get_by_role("radio", name="Not at all")
    first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="Several days")).to_be_checked()
    expect(page.get_by_text("Question 1 of 7")).to_be_visible()
    page.get_by_role("button", name="Next").press("Enter")
    expect(page.get_by_text("Question 2 of 7")).to_be_visible()
    expect(page.locator("legend:focus")).to_have_count(1)
