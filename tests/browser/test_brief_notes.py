"""The session brief shows the notes of shared check-ins (not only the timeline does),
on screen and on paper; a private check-in's note never shows."""

from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.helpers import check_accessibility

WORKSPACE = "/therapist/index.html"
SHARED_NOTE = "Slept through the night for the first time in a while."
PRIVATE_NOTE = "PRIVATE-CHECKIN-NOTE for me alone"


def _checkins_with_notes(patient_id):
    from server.auth.models import User
    from server.db import utcnow
    from server.extensions import db
    from tests import factories

    now = utcnow()
    robin = db.session.get(User, patient_id)
    factories.checkin(
        robin, recorded_at=now - timedelta(days=3, hours=1), mood=6, note=SHARED_NOTE, shared=True
    )
    factories.checkin(
        robin, recorded_at=now - timedelta(days=2), mood=3, note=PRIVATE_NOTE, shared=False
    )
    # Hold no transaction (and so no SQLite write lock) while the browser works.
    db.session.remove()


def test_a_shared_check_in_note_is_in_the_brief_and_a_private_one_is_not(
    desk, live_server, practice, staff_sign_in
):
    _checkins_with_notes(practice.robin)
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    desk.goto(f"{live_server}{WORKSPACE}#/patients/{practice.robin}/brief")
    expect(desk.get_by_role("heading", name="Session brief: Robin Ash", level=1)).to_be_visible()
    expect(desk.locator(".loading")).to_have_count(0)

    # Right after the journal entries (what comes before them has grown: safety,
    # to discuss, each dose).
    headings = desk.locator("main h2")
    expect(headings.filter(has_text="From check-ins")).to_have_count(1)
    names = headings.all_text_contents()
    assert names[names.index("Journal entries") + 1] == "From check-ins", names
    notes = desk.get_by_role("region", name="From check-ins")
    expect(notes.locator("article.item-checkin")).to_have_count(1)
    note = notes.locator("article.item-checkin")
    # Folded to its first words; opened, all of it.
    expect(notes.locator("details summary")).to_contain_text(SHARED_NOTE)
    notes.locator("details summary").click()
    expect(note.get_by_text(SHARED_NOTE)).to_be_visible()
    expect(note.locator("time")).to_be_visible()
    expect(note.locator("dl.scales")).to_contain_text("Mood6/10")
    # The one marked to discuss is listed there, not twice.
    expect(notes.get_by_text("Slept well after the walk")).to_have_count(0)
    expect(desk.get_by_text("PRIVATE", exact=False)).to_have_count(0)
    check_accessibility(desk, "brief with check-in notes")

    desk.emulate_media(media="print")
    expect(note.get_by_text(SHARED_NOTE)).to_be_visible()
    expect(note.get_by_role("button", name="Mark read")).to_be_hidden()
    desk.emulate_media(media="screen")
