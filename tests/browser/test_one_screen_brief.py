"""The session brief on one laptop screen (1280 by 800): safety first, then the summary
and the last dose, all visible without scrolling for every demo patient; entries folded
below, each opened on its own or all at once; printed folded or open."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.helpers import check_accessibility, screenshot

WORKSPACE = "/therapist/index.html"
VIEWPORT = {"width": 1280, "height": 800}


def _open_brief(page, base, patient_id, name):
    page.goto(f"{base}{WORKSPACE}#/patients/{patient_id}/brief")
    expect(page.get_by_role("heading", name=f"Session brief: {name}", level=1)).to_be_visible(
        timeout=15000
    )
    expect(page.locator(".loading")).to_have_count(0, timeout=15000)


def _inside_the_screen(page, locator, what):
    box = locator.bounding_box()
    assert box is not None, f"{what} is not drawn"
    assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"], (what, box)
    assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], (what, box)


def _both_schemes(page, name):
    # Without motion: axe reads colours at rest, not halfway through a transition.
    page.emulate_media(reduced_motion="reduce")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.wait_for_timeout(300)
        check_accessibility(page, f"{name} ({scheme})")
    page.emulate_media(color_scheme="light")


def test_every_demo_patients_brief_fits_a_laptop_screen(desk, live_server, staff_sign_in):
    from sqlalchemy import select

    from server.auth.models import User
    from server.demo.seed import DEMO_ACCOUNTS, DEMO_TOTP_SECRET, seed_demo
    from server.extensions import db

    seed_demo()
    db.session.commit()
    patients = {
        user.display_name: user.id
        for user in db.session.scalars(
            select(User).where(
                User.email.in_([a.email for a in DEMO_ACCOUNTS if a.role == "patient"])
            )
        )
    }
    db.session.remove()
    staff_sign_in(
        desk, "therapist@demo.between.test", DEMO_TOTP_SECRET, password="steady-river-demo"
    )
    assert len(patients) == 3
    tallest = None
    for name, patient_id in patients.items():
        _open_brief(desk, live_server, patient_id, name)
        assert desk.evaluate("window.scrollY") == 0
        safety = desk.get_by_role("region", name="Safety", exact=True)
        summary = desk.get_by_role("region", name="Summary", exact=True)
        last_dose = desk.get_by_role("region", name="Last dose", exact=True)
        _inside_the_screen(desk, safety, f"{name}: safety")
        _inside_the_screen(desk, summary, f"{name}: summary")
        _inside_the_screen(desk, last_dose, f"{name}: last dose")
        # Safety comes first, and every demo patient has had a dose (IV, at the clinic).
        assert safety.bounding_box()["y"] < summary.bounding_box()["y"]
        expect(last_dose).to_contain_text(re.compile(r"IV, \d+ mg, at the clinic"))
        expect(summary.get_by_role("table", name="Latest questionnaire scores")).to_be_visible()
        expect(summary.get_by_text("Days without a check-in:")).to_be_visible()
        height = summary.bounding_box()["y"] + summary.bounding_box()["height"]
        if tallest is None or height > tallest[1]:
            tallest = (name, height, patient_id)
    # The busiest: its screen is the committed screenshot of the brief, checked in both schemes.
    name, _, patient_id = tallest
    _open_brief(desk, live_server, patient_id, name)
    _both_schemes(desk, f"one-screen brief of {name}")
    screenshot(desk, "therapist-brief-demo")


def _robin_with_a_dose_since_last_time(practice):
    from server.auth.models import User
    from server.db import utcnow
    from server.extensions import db
    from tests import factories

    robin = db.session.get(User, practice.robin)
    factories.ketamine_session(
        robin,
        scheduled_at=utcnow() - timedelta(days=3),
        status="completed",
        route="intranasal",
        dose_mg=56.0,
        setting="home",
    )
    # Three older things to discuss: five in all, more than the summary lists.
    for hours in (96, 97, 98):
        factories.entry(
            robin,
            f"Something from {hours} hours ago.",
            written_at=utcnow() - timedelta(hours=hours),
            discuss_next_session=True,
        )
    db.session.remove()


def test_the_summary_marks_dose_days_and_folds_the_entries(
    desk, live_server, practice, staff_sign_in, console_errors
):
    _robin_with_a_dose_since_last_time(practice)
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    _open_brief(desk, live_server, practice.robin, "Robin Ash")

    safety = desk.get_by_role("region", name="Safety", exact=True)
    expect(safety.locator("li").first).to_contain_text(
        "Urgent: Safety answer on the PHQ-9. A safety answer needs follow-up."
    )
    expect(safety).to_contain_text("Item 9 (thoughts of death or self-harm): not at all")
    expect(safety).to_contain_text("Acknowledged since the last integration session")
    last_dose = desk.get_by_role("region", name="Last dose", exact=True)
    expect(last_dose).to_contain_text("Intranasal, 56 mg, at home")
    checkins = desk.get_by_role("region", name="Check-ins", exact=True)
    mood = checkins.get_by_role("row", name=re.compile("^Mood"))
    # The dose day is marked on every scale given; mood is a strip of days.
    strip = mood.get_by_role("img")
    expect(strip).to_have_accessible_name(re.compile(r"Mood by day: \d+ to \d+; dose days marked"))
    expect(strip.locator("line.dose")).to_have_count(1)
    expect(checkins.get_by_role("row", name=re.compile("^Sleep"))).to_contain_text("not given")
    expect(checkins).to_contain_text("Dose day:")
    asked = desk.get_by_role("region", name="Asked to discuss")
    # The newest four; the fifth is folded below with the others.
    expect(asked.get_by_role("button")).to_have_count(4)
    expect(asked).to_contain_text("1 more under “To discuss” below.")
    expect(desk.locator("#brief-discuss").locator("..").locator("details")).to_have_count(5)

    # Folded: one line each; the words are in the fold's line, the rest waits.
    entries = desk.get_by_role("region", name="Journal entries")
    fold = entries.locator("details.entry-fold").first
    expect(fold.locator("summary")).to_contain_text("A long walk; I called my sister.")
    expect(fold.get_by_role("button", name="Mark read")).to_be_hidden()
    # "Asked to discuss" opens its entry below and takes the keyboard there.
    asked.get_by_role("button", name=re.compile("My chest felt open")).click()
    opened = desk.locator("details.entry-fold[open]")
    expect(opened).to_have_count(1)
    expect(
        opened.get_by_text("What did you notice in your body after the session?")
    ).to_be_visible()
    expect(opened.locator("summary")).to_be_focused()

    # Printed as shown: folded, each entry is its line; opened, all of it.
    toggle = desk.get_by_role("button", name="Open all entries")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    desk.emulate_media(media="print")
    expect(desk.get_by_role("button", name="Print the brief")).to_be_hidden()
    expect(desk.get_by_role("region", name="Safety", exact=True)).to_be_visible()
    expect(asked.get_by_text("My chest felt open, like a window left ajar.")).to_be_visible()
    expect(fold.locator("summary")).to_be_visible()
    expect(fold.get_by_text("A long walk; I called my sister.").last).to_be_hidden()
    expect(desk.get_by_text("Confidential health information.")).to_be_visible()
    folded_height = desk.evaluate("document.documentElement.scrollHeight")
    assert desk.pdf(format="A4").startswith(b"%PDF")
    desk.emulate_media(media="screen")

    toggle.click()
    expect(desk.get_by_role("button", name="Fold all entries")).to_have_attribute(
        "aria-expanded", "true"
    )
    assert desk.locator("details.entry-fold:not([open])").count() == 0
    desk.emulate_media(media="print")
    expect(
        fold.locator("article.item").get_by_text("A long walk; I called my sister.")
    ).to_be_visible()
    expect(desk.get_by_role("img", name=re.compile("^Daily mood"))).to_be_visible()
    # Open, every entry and chart reaches the paper: the printed brief is longer.
    assert desk.evaluate("document.documentElement.scrollHeight") > folded_height
    assert desk.pdf(format="A4").startswith(b"%PDF")
    desk.emulate_media(media="screen")

    desk.get_by_role("button", name="Fold all entries").click()
    expect(desk.locator("details.entry-fold[open]")).to_have_count(0)
    desk.evaluate("window.scrollTo(0, 0)")
    _both_schemes(desk, "one-screen brief")
    assert console_errors == []
