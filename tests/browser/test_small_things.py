"""Small things a trial found on the patient's screens: words that say what is true."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import (
    FirstRequestHeld,
    check_accessibility,
    open_app,
    sign_in_via_api,
)


def test_someone_who_wrote_nothing_is_not_told_it_was_sent(page, live_server, care_team):
    patient = care_team[2]
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/today")
    expect(page.locator("#sync-status")).not_to_contain_text("sent")
    open_app(page, live_server, "/waiting")
    expect(page.get_by_text("Nothing is waiting to send.")).to_be_visible()
    expect(page.get_by_role("button", name="Try sending now")).to_be_hidden()


def test_the_trend_counts_in_words_and_shows_its_chosen_range(page, live_server, care_team):
    from server.db import utcnow
    from server.extensions import db

    _, therapist, patient = care_team
    now = utcnow()
    factories.checkin(patient, recorded_at=now - timedelta(days=2), mood=6)
    factories.ketamine_session(
        patient, created_by=therapist, scheduled_at=now - timedelta(days=3), status="completed"
    )
    db.session.rollback()
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/trend")
    summary = page.locator("p.muted", has_text="in the last 30 days")
    expect(summary).to_contain_text("1 check-in in the last 30 days")
    expect(summary).to_contain_text("1 dosing session.")
    pressed = page.get_by_role("button", name="30 days")
    other = page.get_by_role("button", name="90 days")
    expect(pressed).to_have_attribute("aria-pressed", "true")
    background = "el => getComputedStyle(el).backgroundColor"
    assert pressed.evaluate(background) != other.evaluate(background)
    other.click()
    expect(other).to_have_attribute("aria-pressed", "true")
    assert other.evaluate(background) != pressed.evaluate(background)
    check_accessibility(page, "trend with its range chosen")
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)  # the colour transitions settle
    check_accessibility(page, "trend with its range chosen, dark")
    page.emulate_media(color_scheme="light")


def test_the_trend_keeps_the_range_chosen_while_the_first_was_loading(
    page, context, live_server, care_team
):
    from server.db import utcnow
    from server.extensions import db

    patient = care_team[2]
    now = utcnow()
    for days_ago in (2, 40):
        factories.checkin(patient, recorded_at=now - timedelta(days=days_ago), mood=6)
    db.session.rollback()
    sign_in_via_api(page, live_server, patient)
    # The first range's check-ins are held until the patient has chosen 90 days.
    first_range = FirstRequestHeld(page, context, re.compile(r"/api/v1/checkins\?since="))
    page.goto(f"{live_server}/#/trend")
    first_range.wait()
    ninety = page.get_by_role("button", name="90 days")
    ninety.click()
    summary = page.locator("p.muted", has_text="check-ins in the last")
    expect(summary).to_contain_text("2 check-ins in the last 90 days")
    first_range.release()  # the late answer for 30 days: read, and set aside
    expect(ninety).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("img", name=re.compile("Mood, last 90 days"))).to_be_visible()
    expect(summary).to_contain_text("2 check-ins in the last 90 days")


def test_a_due_questionnaire_reads_as_two_words(page, live_server, care_team):
    patient = care_team[2]
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/measures")
    # A new patient's baseline PHQ-9 is due.
    expect(page.get_by_role("heading", name="PHQ-9 Due")).to_be_visible()


def test_the_phase_line_leaves_no_gap_offline(page, context, live_server, care_team):
    patient = care_team[2]
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/today")
    context.set_offline(True)
    open_app(page, live_server, "/measures")
    open_app(page, live_server, "/today")
    expect(page.locator("p.phase")).to_be_hidden()
    context.set_offline(False)


def test_the_invitation_no_longer_says_it_is_opening_once_open(page, live_server, care_team):
    from server.auth import services
    from server.extensions import db

    _, therapist, _ = care_team
    therapist = db.session.merge(therapist)
    _, token = services.create_invite(
        therapist, email="new.patient@example.test", role="patient", therapist=therapist
    )
    db.session.commit()
    db.session.remove()
    page.goto(f"{live_server}/#/invite/{token}")
    expect(page.get_by_label("Choose a password", exact=False).first).to_be_visible()
    expect(page.get_by_text("Opening your invitation")).to_have_count(0)
