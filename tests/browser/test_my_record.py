"""Everything a patient logged, findable: check-ins read back, a day opened from
the trend, the journal searched, and every item on the Sharing screen."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import (
    FirstRequestHeld,
    check_accessibility,
    open_app,
    screenshot,
    sign_in_via_api,
    wait_until,
)


def test_my_check_ins_read_back_with_their_notes_feelings_and_scales(page, live_server, care_team):
    from server.db import utcnow
    from server.extensions import db

    patient = care_team[2]
    now = utcnow()
    factories.checkin(
        patient,
        recorded_at=now - timedelta(hours=5),
        mood=3,
        anxiety=7,
        emotions=["tired", "tender"],
        tags=["dog walk", "Sam"],
        note="Slept badly; the dog walk helped.",
        shared=False,
    )
    factories.checkin(patient, recorded_at=now - timedelta(days=1), mood=6)
    db.session.rollback()
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/journal")
    page.get_by_role("link", name="My check-ins").click()
    cards = page.get_by_role("article", name="Check-in")
    expect(cards).to_have_count(2)
    newest = cards.first
    expect(newest).to_contain_text("Mood 3 of 10 · Anxiety 7 of 10")
    expect(newest).to_contain_text("Feeling: tired, tender")
    expect(newest).to_contain_text("My tags: dog walk, Sam")
    expect(newest).to_contain_text("Slept badly; the dog walk helped.")
    expect(newest).to_contain_text("Private")
    expect(cards.nth(1)).to_contain_text("Shared")
    check_accessibility(page, "my check-ins")
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)  # the colour transitions settle
    check_accessibility(page, "my check-ins, dark")
    page.emulate_media(color_scheme="light")
    screenshot(page, "14-my-check-ins")


def test_a_day_on_the_trend_opens_that_days_check_ins(page, live_server, care_team):
    from server.db import utcnow
    from server.extensions import db

    patient = care_team[2]
    now = utcnow()
    factories.checkin(patient, recorded_at=now - timedelta(days=10), mood=2, note="The hard day.")
    factories.checkin(patient, recorded_at=now - timedelta(days=2), mood=8, note="A light day.")
    db.session.rollback()
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/trend")
    # A tap on the chart near the older point opens its day.
    chart = page.locator("svg.chart.tappable")
    point = page.locator("svg.chart.tappable circle.dot").first
    box = point.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.get_by_role("heading", name="Check-ins on", exact=False)).to_be_visible()
    expect(page.get_by_role("article", name="Check-in")).to_have_count(1)
    expect(page.get_by_text("The hard day.")).to_be_visible()
    # The table alternative links each day too, for those who do not use the chart.
    page.get_by_role("link", name="Back to my trend").click()
    expect(chart).to_be_visible()
    page.get_by_text("Mood as a table").click()
    page.get_by_role("table").first.get_by_role("link").last.click()
    expect(page.get_by_text("A light day.")).to_be_visible()
    expect(page.get_by_text("The hard day.")).to_have_count(0)


def test_the_journal_finds_my_own_words(page, live_server, care_team):
    from server.extensions import db

    patient = care_team[2]
    factories.entry(patient, body="Walked by the river with my sister.")
    factories.entry(patient, body="A loud day at work.")
    db.session.rollback()
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/journal")
    search = page.get_by_role("search", name="My journal")
    search.get_by_label("Find in my journal").fill("River")
    search.get_by_role("button", name="Find").click()
    entries = page.get_by_role("list", name="My entries")
    expect(page.get_by_text("1 entry found.")).to_be_visible()
    expect(entries).to_contain_text("Walked by the river with my sister.")
    expect(entries).not_to_contain_text("A loud day at work.")
    check_accessibility(page, "journal search")
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)  # the colour transitions settle
    check_accessibility(page, "journal search, dark")
    page.emulate_media(color_scheme="light")
    screenshot(page, "15-journal-search")
    search.get_by_role("button", name="Show all entries").click()
    expect(entries.get_by_text("A loud day at work.")).to_be_visible()


def test_a_search_answered_before_the_first_page_keeps_its_results(
    page, context, live_server, care_team
):
    from server.extensions import db

    patient = care_team[2]
    factories.entry(patient, body="Walked by the river with my sister.")
    factories.entry(patient, body="A loud day at work.")
    db.session.rollback()
    sign_in_via_api(page, live_server, patient)
    # The first page of the journal is held until the search has answered.
    first_page = FirstRequestHeld(page, context, re.compile(r"/api/v1/entries$"))
    page.goto(f"{live_server}/#/journal")
    first_page.wait()
    search = page.get_by_role("search", name="My journal")
    search.get_by_label("Find in my journal").fill("River")
    search.get_by_role("button", name="Find").click()
    expect(page.get_by_text("1 entry found.")).to_be_visible()
    first_page.release()  # read, and set aside
    entries = page.get_by_role("list", name="My entries")
    expect(page.get_by_text("1 entry found.")).to_be_visible()
    expect(entries.get_by_role("article")).to_have_count(1)
    expect(entries).not_to_contain_text("A loud day at work.")


def test_a_double_tap_on_show_older_lists_each_entry_once(page, context, live_server, care_team):
    from server.db import utcnow
    from server.extensions import db

    patient = care_team[2]
    now = utcnow()
    for hour in range(55):
        factories.entry(patient, body=f"Entry {hour}", written_at=now - timedelta(hours=hour + 1))
    db.session.rollback()
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/journal")
    entries = page.get_by_role("list", name="My entries")
    expect(entries.get_by_role("article")).to_have_count(50)
    # Both taps reach the server before the older page comes back.
    held, holding = [], [True]
    context.route(
        re.compile(r"/api/v1/entries\?cursor="),
        lambda route: held.append(route) if holding else route.continue_(),
    )
    page.get_by_role("button", name="Show older entries").dblclick()
    assert wait_until(page, lambda: len(held) == 2)
    holding.clear()
    for route in held:
        route.continue_()
    expect(entries.get_by_role("article")).to_have_count(55)
    page.wait_for_timeout(300)  # both answers have been read
    expect(entries.get_by_role("article")).to_have_count(55)


def test_sharing_covers_every_item_a_page_at_a_time_and_says_private(page, live_server, care_team):
    from server.db import utcnow
    from server.extensions import db

    patient = care_team[2]
    now = utcnow()
    for hour in range(55):
        factories.checkin(patient, recorded_at=now - timedelta(days=40, hours=hour), mood=5)
    factories.checkin(patient, recorded_at=now - timedelta(hours=1), mood=4, shared=False)
    db.session.rollback()
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/sharing")
    checkins = page.get_by_role("region", name="Check-ins")
    expect(checkins.get_by_role("switch")).to_have_count(50)
    private = checkins.get_by_role("switch").first
    expect(private).not_to_be_checked()
    expect(checkins.locator("label.switch").first).to_have_text("Private")
    checkins.get_by_role("button", name="Show older check-ins").click()
    expect(checkins.get_by_role("switch")).to_have_count(56)
    private.check()
    expect(checkins.locator("label.switch").first).to_have_text("Shared with my therapist")
    expect(checkins.get_by_role("status").first).to_have_text("Shared.")


def test_a_richer_check_in_stays_quick(page, live_server, care_team):
    from server.journal.models import CheckIn
    from tests.browser.helpers import fresh_rows

    patient = care_team[2]
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/today")
    mood = page.get_by_role("group", name="How is your mood right now?")
    # The scale's ends and middle have words, read as the group's description.
    expect(mood).to_have_accessible_description("0 = very low 5 = okay 10 = very good")
    mood.get_by_role("radio", name="4", exact=True).click()
    page.get_by_text("Add more (optional)").click()
    feelings = page.get_by_role("group", name="Feelings you notice")
    groups = ("Lively and pleasant", "Calm and pleasant", "Low and heavy", "Stirred up and hard")
    for group in groups:
        expect(feelings.get_by_role("group", name=group)).to_be_visible()
    feelings.get_by_role("checkbox", name="floaty").check()
    feelings.get_by_role("checkbox", name="raw").check()
    tags = page.get_by_role("group", name="My tags")
    tags.get_by_label("A new tag").fill("walk by the river")
    tags.get_by_role("button", name="Add").click()
    expect(tags.get_by_role("checkbox", name="walk by the river")).to_be_checked()
    check_accessibility(page, "check-in with feelings and tags")
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)  # the colour transitions settle
    check_accessibility(page, "check-in with feelings and tags, dark")
    page.emulate_media(color_scheme="light")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Saved. Thank you for checking in.")).to_be_visible()
    [row] = fresh_rows(CheckIn, patient_id=patient.id)
    assert row.emotions == ["floaty", "raw"]
    assert row.tags == ["walk by the river"]
    # The next check-in offers the tag again, unticked.
    page.reload()
    page.get_by_text("Add more (optional)").click()
    again = page.get_by_role("group", name="My tags")
    expect(again.get_by_role("checkbox", name="walk by the river")).not_to_be_checked()


def read_online_once(page, live_server, patient, entry_words, checkin_words) -> str:
    """Sign in, read my journal and my check-ins online; what the phone then keeps (as JSON)."""
    import json

    from tests.browser.helpers import indexeddb_contents, wait_for_service_worker

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/journal")
    wait_for_service_worker(page)
    expect(page.get_by_text(entry_words)).to_be_visible()
    open_app(page, live_server, "/checkins")
    expect(page.get_by_text(checkin_words)).to_be_visible()
    stored = json.dumps(indexeddb_contents(page), default=str)
    assert "sealed:recent:entries" in stored and "sealed:recent:checkins" in stored
    return stored


def test_my_recent_entries_and_check_ins_read_offline_and_only_sealed(
    page, context, live_server, care_team
):
    import json

    from server.db import utcnow
    from server.extensions import db
    from tests.browser.helpers import indexeddb_contents

    patient = care_team[2]
    now = utcnow()
    factories.entry(
        patient, body="The lake at dawn, written last week.", written_at=now - timedelta(days=6)
    )
    factories.entry(patient, body="An old page from spring.", written_at=now - timedelta(days=45))
    factories.checkin(
        patient, recorded_at=now - timedelta(days=2), mood=7, note="Calm after the walk."
    )
    db.session.rollback()
    stored = read_online_once(page, live_server, patient, "An old page", "Calm after the walk.")
    # What the phone keeps is sealed: none of the words are in its storage.
    for words in ("The lake at dawn", "Calm after the walk", "An old page"):
        assert words not in stored

    context.set_offline(True)
    page.reload()
    expect(page.get_by_text("Calm after the walk.")).to_be_visible()
    expect(page.locator("main").get_by_text("kept on this phone")).to_be_visible()
    open_app(page, live_server, "/journal")
    expect(page.get_by_text("The lake at dawn, written last week.")).to_be_visible()
    # Only the last 30 days are kept.
    expect(page.get_by_text("An old page from spring.")).to_have_count(0)
    context.set_offline(False)

    # Signing out takes the kept copy with it.
    page.goto(f"{live_server}/#/signout")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert "sealed:recent" not in json.dumps(indexeddb_contents(page), default=str)


def test_a_session_the_server_ended_takes_the_offline_copies_with_it(page, live_server, care_team):
    import json

    from server.extensions import db
    from tests.browser.helpers import (
        end_session_on_the_server,
        indexeddb_contents,
    )

    patient = care_team[2]
    factories.entry(patient, body="Kept for the train.")
    factories.checkin(patient, mood=6, note="Fine today.")
    db.session.rollback()
    read_online_once(page, live_server, patient, "Kept for the train.", "Fine today.")

    end_session_on_the_server(page, live_server)
    page.reload()
    expect(page.get_by_text("Your session has ended.")).to_be_visible()
    kept = json.dumps(indexeddb_contents(page), default=str)
    assert "sealed:" not in kept


def test_my_week_in_brief_is_gentle(page, live_server, care_team):
    from server.db import utcnow
    from server.extensions import db

    patient = care_team[2]
    now = utcnow()
    for days_ago, mood, feelings in (
        (1, 4, ["tired", "tender"]),
        (3, 7, ["tender"]),
        (9, 1, ["sad"]),
    ):
        factories.checkin(
            patient,
            recorded_at=now - timedelta(days=days_ago),
            mood=mood,
            emotions=feelings,
            tags=["river walk"] if days_ago == 3 else [],
        )
    factories.entry(patient, body="A page this week.", written_at=now - timedelta(days=2))
    for days_ago, body in ((3, "The sea, again."), (4, "My sister's call."), (5, "Rain.")):
        factories.entry(patient, body=body, written_at=now - timedelta(days=days_ago))
    factories.entry(patient, body="An earlier worry.", written_at=now - timedelta(days=9))
    factories.measure_response(patient, "gad7", answers=[1, 1, 1, 1, 1, 1, 1], completed_at=now)
    db.session.rollback()
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/trend")
    page.get_by_role("link", name="My week in brief").click()
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text("Mood")
    expect(summary).to_contain_text(
        "between 4 and 7 of 10"
    )  # the check-in 9 days ago is not this week
    expect(summary).to_contain_text("tender, tired")
    expect(summary).to_contain_text("4 journal entries")
    # What I wrote about, in my own first words, newest first; an earlier page is not this week's.
    expect(summary.get_by_role("listitem")).to_have_text(
        ["A page this week.", "The sea, again.", "My sister's call.", "and 1 more"]
    )
    expect(summary).to_contain_text("Your tags")
    expect(summary).to_contain_text("river walk")
    expect(summary).to_contain_text("GAD-7")
    main = page.locator("main")
    for pressure in ("streak", "missed", "in a row"):
        expect(main).not_to_contain_text(pressure)
    check_accessibility(page, "my week")
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)  # the colour transitions settle
    check_accessibility(page, "my week, dark")
    page.emulate_media(color_scheme="light")
    screenshot(page, "16-my-week")


def test_a_week_with_nothing_logged_says_so_without_guilt(page, live_server, care_team):
    patient = care_team[2]
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/week")
    expect(page.get_by_text("A quiet week here.")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("missed")


def test_sharing_lists_intentions_what_i_wrote_back_and_checks_after_a_dose(
    page, live_server, care_team
):
    import uuid

    from server.companion import services as companion
    from server.companion.models import AfterDoseCheck, Intention, IntentionReflection
    from server.db import utcnow
    from server.extensions import db
    from tests.browser.helpers import fresh_rows
    from tests.companion.helpers import CALM

    _, therapist, patient = care_team
    dose, earlier = (
        factories.ketamine_session(
            patient, created_by=therapist, scheduled_at=utcnow() + timedelta(days=days)
        )
        for days in (2, -1)
    )
    intention, _ = companion.create_intention(
        patient,
        {"id": uuid.uuid4(), "ketamine_session_id": dose.id}
        | {"body": "To stay curious about the tiredness.", "shared": False},
    )
    companion.create_reflection(
        patient,
        {"id": uuid.uuid4(), "intention_id": intention.id}
        | {"body": "It came, quietly.", "shared": True},
    )
    companion.create_after_dose_check(
        patient,
        {"id": uuid.uuid4(), "ketamine_session_id": earlier.id, "answers": CALM}
        | {"shared": False},
    )
    db.session.commit()
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/sharing")
    intentions = page.get_by_role("region", name="Intentions", exact=True)
    expect(intentions).to_contain_text("To stay curious about the tiredness.")
    switch = intentions.get_by_role("switch")
    expect(switch).not_to_be_checked()
    expect(intentions.locator("label.switch")).to_have_text("Private")
    switch.check()
    expect(intentions.get_by_role("status")).to_have_text("Shared.")
    expect(intentions.locator("label.switch")).to_have_text("Shared with my therapist")
    [row] = fresh_rows(Intention, patient_id=patient.id)
    assert row.shared is True
    # What I wrote back about it has its own switch; this one I now keep to myself.
    back = page.get_by_role("region", name="What I wrote back about my intentions")
    expect(back).to_contain_text("It came, quietly.")
    expect(back.locator("label.switch")).to_have_text("Shared with my therapist")
    back.get_by_role("switch").uncheck()
    expect(back.get_by_role("status")).to_have_text("Private now.")
    [row] = fresh_rows(IntentionReflection, patient_id=patient.id)
    assert row.shared is False
    # The check after an earlier dose, private when answered, shared from here.
    checks = page.get_by_role("region", name="Checks after a dose")
    expect(checks.locator("label.switch")).to_have_text("Private")
    checks.get_by_role("switch").check()
    expect(checks.get_by_role("status")).to_have_text("Shared.")
    [check] = fresh_rows(AfterDoseCheck, patient_id=patient.id)
    assert check.shared is True
    check_accessibility(page, "sharing with intentions")
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)  # the colour transitions settle
    check_accessibility(page, "sharing with intentions, dark")
    page.emulate_media(color_scheme="light")
    intentions.scroll_into_view_if_needed()
    screenshot(page, "18-sharing-intentions")


def test_an_earlier_intention_reads_offline_from_the_phones_sealed_copy(
    page, context, live_server, care_team
):
    import json
    import uuid

    from server.companion import services as companion
    from server.db import utcnow
    from server.extensions import db
    from tests.browser.helpers import indexeddb_contents, wait_for_service_worker

    _, therapist, patient = care_team
    now = utcnow()
    earlier, later = (
        factories.ketamine_session(
            patient, created_by=therapist, scheduled_at=now - timedelta(days=days)
        )
        for days in (12, 2)
    )
    for dose, words, days in ((earlier, "To rest without guilt.", 13), (later, "To listen.", 3)):
        companion.create_intention(
            patient,
            {"id": uuid.uuid4(), "ketamine_session_id": dose.id, "body": words}
            | {"written_at": now - timedelta(days=days)},
        )
    db.session.commit()
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, f"/intention/{earlier.id}")
    wait_for_service_worker(page)
    words = page.get_by_label("What would you like to bring to this session?")
    expect(words).to_have_value("To rest without guilt.")
    stored = json.dumps(indexeddb_contents(page), default=str)
    assert "sealed:recent:intentions" in stored and "rest without guilt" not in stored

    context.set_offline(True)
    page.reload()
    expect(words).to_have_value("To rest without guilt.")
    context.set_offline(False)
