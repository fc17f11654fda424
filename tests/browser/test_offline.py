"""Offline first: what is written offline survives a reload and arrives exactly once;
the server's refusals are shown, never dropped; logout leaves nothing behind."""

import pytest
from playwright.sync_api import expect

from tests.browser import shell
from tests.browser.helpers import (
    cache_contents,
    end_session_on_the_server,
    fresh_rows,
    indexeddb_contents,
    open_app,
    sign_in_via_api,
    wait_for_service_worker,
    wait_until,
)


@pytest.fixture
def patient(care_team):
    return care_team[2]


def outbox(page):
    return indexeddb_contents(page).get("between/outbox", [])


def test_offline_writes_survive_a_reload_and_arrive_exactly_once(
    page, context, live_server, patient
):
    from server.journal.models import CheckIn
    from server.journal.models import JournalEntry as Entry

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    wait_for_service_worker(page)

    context.set_offline(True)
    page.get_by_role("group", name="How is your mood right now?").get_by_label(
        "2", exact=True
    ).click()
    page.get_by_role("button", name="Save check-in").click()
    expect(
        page.get_by_text("Saved on this phone. It will be sent when you're back online.")
    ).to_be_visible()
    expect(page.locator("#sync-status")).to_contain_text("1 thing waiting to send.")

    page.get_by_role("link", name="Journal", exact=True).click()
    page.get_by_role("link", name="Write an entry").click()
    page.get_by_label("What's on your mind?").fill("Written on the train, no signal.")
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_text("Your entry is saved on this phone")).to_be_visible()
    waiting = page.get_by_role("list", name="Waiting to send")
    expect(waiting.get_by_text("Written on the train, no signal.")).to_be_visible()
    expect(page.locator("#sync-status")).to_contain_text("2 things waiting to send.")

    # Closing and reopening the app while still offline loses nothing.
    page.reload()
    expect(page.get_by_role("heading", name="Journal")).to_be_visible()
    expect(page.get_by_text("Written on the train, no signal.")).to_be_visible()
    expect(page.locator("#sync-status")).to_contain_text("2 things waiting to send.")
    assert len(outbox(page)) == 2
    assert fresh_rows(CheckIn, patient_id=patient.id) == []

    context.set_offline(False)
    expect(page.locator("#sync-status")).to_have_text("Everything you wrote is sent.")
    assert outbox(page) == []

    # Reopening online sends nothing twice.
    page.reload()
    expect(page.locator("#sync-status")).to_have_text("Everything you wrote is sent.")
    [checkin] = fresh_rows(CheckIn, patient_id=patient.id)
    [entry] = fresh_rows(Entry, patient_id=patient.id)
    assert checkin.mood == 2
    assert entry.body == "Written on the train, no signal."


def test_a_refused_item_is_shown_and_kept_for_correction(page, live_server, patient):
    from server.journal.models import JournalEntry as Entry

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/journal/new")
    too_long = "word " * 4001  # over the server's 20,000 characters
    page.get_by_label("What's on your mind?").fill(too_long)
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_text("the server could not accept it yet")).to_be_visible()
    card = page.get_by_role("article", name="Entry waiting to send")
    expect(card.get_by_text("Needs your attention")).to_be_visible()
    expect(page.locator("#sync-status")).to_contain_text("1 needs your attention")
    [kept] = outbox(page)
    assert kept["state"] == "held" and kept["problem"]["status"] == 422

    # The patient corrects it; the same item (same id) is sent.
    card.get_by_role("link", name="Edit").click()
    page.get_by_label("What's on your mind?").fill("Shorter, and enough.")
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_text("Your entry is saved.")).to_be_visible()
    [row] = fresh_rows(Entry, patient_id=patient.id)
    assert str(row.id) == kept["id"]
    assert outbox(page) == []


def test_logout_sends_what_waits_then_leaves_no_health_data(page, context, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    wait_for_service_worker(page)
    context.set_offline(True)
    page.get_by_role("group", name="How is your mood right now?").get_by_label(
        "5", exact=True
    ).click()
    page.get_by_text("Add more (optional)").click()
    page.get_by_label("A note", exact=True).fill("private words")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.locator("#sync-status")).to_contain_text("1 thing waiting to send.")

    # Offline, signing out asks before anything is discarded.
    page.goto(f"{live_server}/#/signout")
    expect(page.get_by_text("1 thing you wrote has not reached the server yet.")).to_be_visible()
    page.get_by_role("button", name="Stay signed in").click()
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()

    context.set_offline(False)
    expect(page.locator("#sync-status")).to_have_text("Everything you wrote is sent.")
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    stored = indexeddb_contents(page)
    assert all(records == [] for records in stored.values()), stored
    caches = cache_contents(page)
    shell_files = set(shell.shell_urls()) | {"/js/push.js"}
    for urls in caches.values():
        assert set(urls) <= shell_files
    page_text = str(stored) + str(caches) + str(page.evaluate("JSON.stringify(localStorage)"))
    assert "private words" not in page_text
    assert page.request.get(live_server + "/api/v1/auth/me").status == 401


def test_discarding_on_logout_is_explicit(page, context, live_server, patient):
    from server.journal.models import CheckIn

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    wait_for_service_worker(page)
    context.set_offline(True)
    page.get_by_role("group", name="How is your mood right now?").get_by_label(
        "8", exact=True
    ).click()
    page.get_by_role("button", name="Save check-in").click()
    page.goto(f"{live_server}/#/signout")
    page.get_by_role("button", name="Discard it and sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert outbox(page) == []
    context.set_offline(False)
    # The server session is ended as soon as the app is online again.
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert page.request.get(live_server + "/api/v1/auth/me").status == 401
    assert fresh_rows(CheckIn, patient_id=patient.id) == []


def test_server_errors_keep_items_queued_until_they_go_through(page, live_server, patient):
    from server.journal.models import CheckIn

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    page.route("**/api/v1/checkins", lambda route: route.fulfill(status=503, body="down"))
    page.get_by_role("group", name="How is your mood right now?").get_by_label(
        "4", exact=True
    ).click()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Saved on this phone.")).to_be_visible()
    expect(page.locator("#sync-status")).to_contain_text("1 thing waiting to send.")
    [waiting] = outbox(page)
    assert waiting["state"] == "waiting"

    page.unroute("**/api/v1/checkins")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#sync-status")).to_have_text("Everything you wrote is sent.")
    [row] = fresh_rows(CheckIn, patient_id=patient.id)
    assert str(row.id) == waiting["id"]


def test_what_waits_when_the_session_ends_is_sent_once_the_patient_signs_in_again(
    page, context, live_server, patient
):
    from server.journal.models import CheckIn
    from tests import factories

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    context.set_offline(True)
    page.get_by_role("group", name="How is your mood right now?").get_by_label(
        "7", exact=True
    ).click()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.locator("#sync-status")).to_contain_text("1 thing waiting to send.")
    # Before the app is back online, the server ends the session (as after 30 idle minutes).
    end_session_on_the_server(page, live_server)
    context.set_offline(False)
    page.reload()
    # Nothing new can be written until the patient signs in: the device key went with the session.
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("#sync-status")).to_contain_text("1 waiting to send")
    assert fresh_rows(CheckIn, patient_id=patient.id) == []

    page.get_by_label("Email").fill(patient.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sync-status")).to_have_text("Everything you wrote is sent.")
    [row] = fresh_rows(CheckIn, patient_id=patient.id)
    assert row.mood == 7


def test_the_clinics_crisis_list_is_kept_for_offline(page, context, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/crisis")
    wait_for_service_worker(page)
    clinic_call = page.get_by_role("link", name="Call +1 555 0199")
    expect(clinic_call).to_have_attribute("href", "tel:+15550199")
    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="Need help now?", level=1)).to_be_visible()
    expect(clinic_call).to_be_visible()
    expect(page.get_by_role("link", name="Text 988")).to_have_attribute("href", "sms:988")


def test_words_being_written_survive_closing_the_app(page, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/journal/new")
    page.get_by_label("What's on your mind?").fill("Half a thought, then the phone locked")
    expect(page.get_by_text("Kept on this phone as you write.")).to_be_visible()
    page.reload()
    expect(page.get_by_text("We kept what you were writing.")).to_be_visible()
    expect(page.get_by_label("What's on your mind?")).to_have_value(
        "Half a thought, then the phone locked"
    )
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_text("Your entry is saved.")).to_be_visible()
    assert indexeddb_contents(page)["between/drafts"] == []


def test_an_edit_made_while_the_first_version_is_on_its_way_is_kept(page, live_server, patient):
    from server.journal.models import JournalEntry as Entry

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/journal")
    in_flight = []
    page.route(
        "**/api/v1/entries",
        lambda route: (
            in_flight.append(route) if route.request.method == "POST" else route.continue_()
        ),
    )
    page.get_by_role("link", name="Write an entry").click()
    page.get_by_label("What's on your mind?").fill("First version.")
    page.get_by_role("button", name="Save entry").click()
    # The POST is held on the wire; the patient goes back and edits the waiting entry.
    page.get_by_role("link", name="Journal", exact=True).click()
    page.get_by_role("list", name="Waiting to send").get_by_role("link", name="Edit").click()
    page.get_by_label("What's on your mind?").fill("Second version, with more words.")
    page.get_by_role("button", name="Save entry").click()
    assert len(in_flight) == 1
    in_flight[0].continue_()
    expect(page.locator("#sync-status")).to_have_text("Everything you wrote is sent.")
    [row] = fresh_rows(Entry, patient_id=patient.id)
    assert row.body == "Second version, with more words."


def test_today_fills_in_when_the_connection_returns(page, context, live_server, care_team):
    from datetime import timedelta

    from server.db import utcnow
    from server.extensions import db
    from tests import factories

    _, therapist, patient = care_team
    factories.ketamine_session(
        patient, created_by=therapist, scheduled_at=utcnow() + timedelta(days=5)
    )
    db.session.remove()
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    wait_for_service_worker(page)
    due = page.get_by_role("region", name="Check-ups")
    expect(due.get_by_role("link", name="Start PHQ-9")).to_be_visible()

    # The app opened with no connection: what needs the server waits for it.
    context.set_offline(True)
    page.reload()
    expect(due).to_contain_text("You're offline. What's due will show when you're back online.")
    expect(page.locator("main .phase")).to_be_empty()

    # The connection returns while the patient is still on Today.
    context.set_offline(False)
    expect(due.get_by_role("link", name="Start PHQ-9")).to_be_visible()
    expect(due).not_to_contain_text("You're offline")
    expect(page.locator("main .phase")).to_contain_text("Preparing for your session on")


def test_an_open_discard_question_stays_while_another_item_is_sent(
    page, context, live_server, patient
):
    from server.journal.models import JournalEntry as Entry

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    wait_for_service_worker(page)
    context.set_offline(True)
    page.get_by_role("link", name="Journal", exact=True).click()
    page.get_by_role("link", name="Write an entry").click()
    page.get_by_label("What's on your mind?").fill("Written first, on the ferry.")
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_text("Your entry is saved on this phone")).to_be_visible()
    open_app(page, live_server)
    page.get_by_role("group", name="How is your mood right now?").get_by_label(
        "4", exact=True
    ).click()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.locator("#sync-status")).to_contain_text("2 things waiting to send.")

    page.goto(f"{live_server}/#/waiting")
    check_in = page.locator("li.card").filter(has_text="Check-in")
    check_in.get_by_role("button", name="Discard").click()
    question = page.get_by_role("group", name="Discard this? It has not reached the server.")
    keep = question.get_by_role("button", name="Keep it")
    expect(keep).to_be_focused()
    # Back online, the entry goes through while the check-in's send hangs.
    held = []
    context.route("**/api/v1/checkins", lambda route: held.append(route))
    context.set_offline(False)
    wait_until(page, lambda: fresh_rows(Entry, patient_id=patient.id))
    expect(page.locator("li.card")).to_have_count(1)
    # The patient's open question, and their place in it, are as they left them.
    expect(question).to_be_visible()
    expect(keep).to_be_focused()
    assert held, "the check-in's send was not held: the test proved nothing"
