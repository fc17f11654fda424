"""What a clinician found using the workspace on a laptop and a tablet: prompts
assigned relative to a dosing session, messages that say what went wrong, the
caseload's columns on a tablet, and keyboard focus kept after an action."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.helpers import fresh_rows

WORKSPACE = "/therapist/index.html"


def open_screen(page, base, route, heading):
    """Go to a workspace route and wait until its heading shows and everything has loaded."""
    page.goto(f"{base}{WORKSPACE}#{route}")
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    expect(page.locator(".loading")).to_have_count(0)


def test_a_prompt_is_assigned_relative_to_the_next_dosing_session(
    desk, live_server, practice, staff_sign_in
):
    from server.care.models import DosingSession
    from server.journal.models import PromptAssignment

    staff_sign_in(desk, practice.therapist_email, practice.secret)
    open_screen(
        desk, live_server, f"/patients/{practice.robin}/schedule", "Schedule and prompts: Robin Ash"
    )
    [upcoming] = [
        row
        for row in fresh_rows(DosingSession, patient_id=practice.robin)
        if row.status == "scheduled"
    ]
    prompts = desk.get_by_role("region", name="Assign prompts")
    when = prompts.get_by_label("When", exact=True)
    # Each dosing session of the last two weeks (12 days ago) and ahead (in 5 days) is a choice.
    relative = re.compile("^Relative to the dosing session on ")
    expect(when.locator("option")).to_have_text(["Due now", relative, relative])
    when.select_option(str(upcoming.id))
    prompts.get_by_label("Hours", exact=True).fill("12")
    prompts.get_by_label("Before or after").select_option("before")
    prompts.get_by_label(re.compile("What did you notice in your body after the session")).check()
    prompts.get_by_role("button", name="Assign the chosen prompts").click()
    expect(prompts.get_by_role("status")).to_contain_text("Assigned 1 prompt, due ")
    [assignment] = fresh_rows(PromptAssignment, patient_id=practice.robin)
    assert assignment.ketamine_session_id == upcoming.id
    assert assignment.offset_hours == -12  # stored signed; the API and the screen say "before"
    assert assignment.due_at == upcoming.scheduled_at - timedelta(hours=12)


def test_inviting_someone_who_already_has_an_account_says_so(
    desk, live_server, practice, staff_sign_in
):
    staff_sign_in(desk, practice.admin_email, practice.secret)
    open_screen(desk, live_server, "/invites", "Invite a therapist")
    desk.get_by_label("Therapist's email").fill(practice.therapist_email)
    desk.get_by_role("button", name="Create the invitation").click()
    alert = desk.get_by_role("alert")
    expect(alert).to_have_text("An account with this email already exists.")
    expect(alert).not_to_contain_text("changed meanwhile")


def test_on_a_tablet_every_caseload_column_shows_without_scrolling(
    browser, live_server, practice, staff_sign_in
):
    tablet = browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        page = tablet.new_page()
        staff_sign_in(page, practice.therapist_email, practice.secret)
        open_screen(page, live_server, "/caseload", "Caseload")
        expect(page.locator("table.caseload tbody tr")).to_have_count(3)
        wrap = page.get_by_role("region", name="Caseload table")
        sizes = wrap.evaluate("element => [element.scrollWidth, element.clientWidth]")
        assert sizes[0] <= sizes[1], f"the caseload scrolls sideways on a tablet: {sizes}"
        expect(page.get_by_role("button", name="Unread")).to_be_in_viewport()
    finally:
        tablet.close()


def test_the_keyboard_keeps_its_place_after_marking_read_and_rescheduling(
    desk, live_server, practice, staff_sign_in
):
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    open_screen(desk, live_server, f"/patients/{practice.robin}", "Robin Ash")
    timeline = desk.get_by_role("region", name=re.compile("^Shared since"))
    buttons = timeline.get_by_role("button", name="Mark read")
    second = timeline.locator(
        f"button[aria-describedby='{buttons.nth(1).get_attribute('aria-describedby')}']"
    )
    buttons.first.focus()
    desk.keyboard.press("Enter")
    # Focus stays where the button was, so Tab goes on to the next item.
    expect(timeline.locator(".item footer span", has_text="Read").first).to_be_focused()
    desk.keyboard.press("Tab")
    expect(second).to_be_focused()

    desk.get_by_role("button", name=re.compile(r"^Mark all \d+ shown as read")).focus()
    desk.keyboard.press("Enter")
    expect(timeline.locator("article.is-unread")).to_have_count(0)
    expect(timeline.get_by_role("heading", name=re.compile("^Shared since"))).to_be_focused()

    open_screen(
        desk, live_server, f"/patients/{practice.robin}/schedule", "Schedule and prompts: Robin Ash"
    )
    dosing = desk.get_by_role("region", name="Dosing sessions")
    dosing.get_by_role("button", name="Book the dosing session").focus()
    desk.keyboard.press("Enter")
    expect(dosing.get_by_role("status").first).to_contain_text("Booked: dosing session on")
    expect(dosing.get_by_role("button", name="Book the dosing session")).to_be_focused()

    dosing.get_by_role("button", name=re.compile("^Move the dosing session")).first.focus()
    desk.keyboard.press("Enter")
    expect(dosing.get_by_label("New date and time")).to_be_focused()
    dosing.get_by_label("New date and time").fill(
        desk.evaluate(
            "() => { const d = new Date(Date.now() + 9 * 86400000); d.setHours(11, 0, 0, 0);"
            " const p = (n) => String(n).padStart(2, '0');"
            " return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T11:00`; }"
        )
    )
    dosing.get_by_role("button", name="Save the new time").focus()
    desk.keyboard.press("Enter")
    expect(dosing.get_by_role("status").first).to_contain_text("Moved to")
    expect(dosing.get_by_role("status").first).to_be_focused()

    dosing.get_by_role("button", name=re.compile("^Cancel the dosing session")).first.focus()
    desk.keyboard.press("Enter")
    expect(dosing.get_by_role("button", name="Yes, cancel it")).to_be_focused()
    desk.keyboard.press("Enter")
    expect(dosing.get_by_role("status").first).to_contain_text("Cancelled the dosing session")
    expect(dosing.get_by_role("status").first).to_be_focused()


def test_the_keyboard_keeps_its_place_in_the_prompt_library(
    desk, live_server, practice, staff_sign_in
):
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    open_screen(desk, live_server, "/prompts", "Prompt library")
    texts = desk.locator("li.prompt .prompt-text").all_inner_texts()
    # By position: while it is edited its text is in a textarea, which has_text does not see.
    prompt = desk.locator("li.prompt").nth(
        texts.index("What did you notice in your body after the session?")
    )
    prompt.get_by_role("button", name="Edit").focus()
    desk.keyboard.press("Enter")
    expect(prompt.get_by_label("Prompt", exact=True)).to_be_focused()
    prompt.get_by_role("button", name="Cancel").focus()
    desk.keyboard.press("Enter")
    expect(prompt.get_by_role("button", name="Edit")).to_be_focused()

    prompt.get_by_role("button", name="Switch off").focus()
    desk.keyboard.press("Enter")
    status = desk.locator("main").get_by_role("status").filter(has_text="Switched off.")
    expect(status).to_be_focused()
    expect(prompt).to_be_hidden()


def test_an_item_the_patient_stops_sharing_leaves_the_screen_when_marked_read(
    desk, live_server, practice, staff_sign_in
):
    from sqlalchemy import update

    from server.extensions import db
    from server.journal.models import CheckIn, JournalEntry

    staff_sign_in(desk, practice.therapist_email, practice.secret)
    open_screen(desk, live_server, f"/patients/{practice.robin}", "Robin Ash")
    item = desk.locator("article.item-checkin", has_text="Slept well after the walk by the river.")
    expect(item).to_be_visible()
    # Meanwhile, on their phone, the patient stops sharing it.
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(
            update(CheckIn)
            .where(CheckIn.patient_id == practice.robin, CheckIn.discuss_next_session.is_(True))
            .values(shared=False)
        )
    item.get_by_role("button", name="Mark read").focus()
    desk.keyboard.press("Enter")
    gone = desk.locator("main").get_by_text("This item is no longer shared with you.")
    expect(gone).to_be_focused()
    expect(desk.get_by_text("Slept well after the walk by the river.")).to_have_count(0)
    expect(desk.get_by_text("No such shared item")).to_have_count(0)

    # An entry stops being shared too; marking everything read then drops it without an
    # error, and does not bring the check-in back.
    expect(desk.get_by_text("A long walk; I called my sister.")).to_be_visible()
    with db.engine.begin() as connection:
        connection.execute(
            update(JournalEntry)
            .where(
                JournalEntry.patient_id == practice.robin,
                JournalEntry.discuss_next_session.is_(False),
            )
            .values(shared=False)
        )
    desk.get_by_role("button", name=re.compile(r"^Mark all \d+ shown as read")).click()
    expect(desk.locator(".timeline article.is-unread")).to_have_count(0)
    expect(desk.get_by_text("A long walk; I called my sister.")).to_have_count(0)
    expect(desk.get_by_text("Slept well after the walk by the river.")).to_have_count(0)
    expect(desk.locator(".timeline-section .form-message")).to_have_text("")


def test_signing_out_in_one_tab_clears_the_others_at_once(
    laptop, live_server, practice, staff_sign_in
):
    first = laptop.new_page()
    staff_sign_in(first, practice.therapist_email, practice.secret)
    second = laptop.new_page()
    open_screen(second, live_server, f"/patients/{practice.robin}", "Robin Ash")
    expect(second.get_by_text("Slept well after the walk by the river.")).to_be_visible()

    first.get_by_role("link", name="Sign out").click()
    expect(first.get_by_role("heading", name="You're signed out")).to_be_visible()
    # The other tab makes no request of its own: it is told by this browser.
    expect(second.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(second.get_by_text("Your session has ended.")).to_be_visible()
    expect(second.get_by_text("Slept well after the walk by the river.")).to_have_count(0)
    expect(second.locator("#nav")).to_be_hidden()
