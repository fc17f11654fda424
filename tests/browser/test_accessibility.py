"""Every patient screen: no axe-core violations (light and dark), large touch targets,
no sideways scrolling at 200 % zoom; and the committed screenshots (SCREENSHOTS=1)."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import (
    SCREENS,
    check_accessibility,
    open_screen,
    screenshot,
    sign_in_via_api,
)


def large_targets_too_small(page):
    """Buttons, tiles, switches and nav links smaller than 44 by 44 CSS pixels."""
    return page.evaluate(
        """() => [...document.querySelectorAll(`button, .button, .tabs a, .help-link, .brand,
                                             .choice span, .check, .switch, summary`)]
            .filter(el => el.offsetParent !== null)
            .map(el => [el, el.getBoundingClientRect()])
            .filter(([, box]) => box.height < 44 || box.width < 44)
            .map(([el, box]) => `${el.tagName}.${el.className} "${el.textContent.slice(0, 30)}"`
                                + ` ${Math.round(box.width)}x${Math.round(box.height)}`)"""
    )


def test_every_patient_screen_passes_axe(page, live_server, lived_in):
    page.goto(f"{live_server}/#/signin")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_accessibility(page, "sign in")
    screenshot(page, "01-sign-in")
    sign_in_via_api(page, live_server, lived_in)
    page.reload()
    for number, (name, route, ready) in enumerate(SCREENS, start=2):
        open_screen(page, live_server, route, ready)
        check_accessibility(page, name)
        assert large_targets_too_small(page) == [], name
        # Help is one tap away on every screen.
        expect(
            page.get_by_role("banner").get_by_role("link", name="Need help now?")
        ).to_be_visible()
        screenshot(page, f"{number:02d}-{name}")

    # The check-in with every optional part open.
    open_screen(page, live_server, "/today", "Hello, Robin.")
    page.get_by_text("Add more (optional)").click()
    check_accessibility(page, "today, expanded")
    screenshot(page, "12-today-more")


def test_phq9_crisis_result_passes_axe(page, live_server, care_team):
    sign_in_via_api(page, live_server, care_team[2])
    open_screen(page, live_server, "/measures/phq9", "Question 1 of 9")
    for number in range(1, 10):
        expect(page.get_by_text(f"Question {number} of 9")).to_be_visible()
        page.get_by_role("radio", name="Several days").click()
    expect(page.get_by_text("One more question (optional)")).to_be_visible()
    check_accessibility(page, "PHQ-9 difficulty item")
    page.get_by_role("radio", name="Very difficult").click()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("region", name="You don't have to carry this alone")).to_be_visible()
    check_accessibility(page, "PHQ-9 result with crisis resources")
    screenshot(page, "13-phq9-crisis")


def test_invite_screen_passes_axe(page, live_server, care_team):
    from server.auth import services
    from server.extensions import db

    _, therapist, _ = care_team
    _, token = services.create_invite(
        therapist,
        email="invited@example.test",
        role="patient",
        display_name="Alex",
        therapist=therapist,
    )
    db.session.commit()
    open_screen(page, live_server, f"/invite/{token}", "Hello, Alex.")
    check_accessibility(page, "invite")
    screenshot(page, "00-invite")


@pytest.mark.parametrize("route, ready", [s[1:] for s in SCREENS[:2] + SCREENS[5:6] + SCREENS[8:9]])
def test_dark_mode_passes_axe(page, live_server, lived_in, route, ready):
    page.emulate_media(color_scheme="dark")
    sign_in_via_api(page, live_server, lived_in)
    open_screen(page, live_server, route, ready)
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(22, 27, 26)"
    check_accessibility(page, f"{route} (dark)")
    screenshot(page, f"dark-{route.strip('/').replace('/', '-')}")


def test_readable_at_200_percent_zoom_without_sideways_scrolling(browser, live_server, lived_in):
    # 200 % zoom on a 390 px wide phone leaves 195 CSS pixels.
    context = browser.new_context(viewport={"width": 195, "height": 422}, device_scale_factor=2)
    try:
        page = context.new_page()
        sign_in_via_api(page, live_server, lived_in)
        for name, route, ready in SCREENS:
            open_screen(page, live_server, route, ready)
            overflow = page.evaluate(
                "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
            )
            assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 200 % zoom"
        open_screen(page, live_server, "/today", "Hello, Robin.")
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, "zoom-200-today")
    finally:
        context.close()


def switch_names(scope, role="switch"):
    """The accessible names of every `role` control in `scope`, from the accessibility tree."""
    import re

    return re.findall(rf'\b{role} "([^"]*)"', scope.aria_snapshot())


def test_each_sharing_switch_is_named_after_its_item(browser, live_server, care_team):
    from server.db import utcnow
    from server.extensions import db

    patient = care_team[2]
    at = utcnow().replace(hour=8, minute=30, second=0, microsecond=0) - timedelta(days=1)
    for day in range(5):
        factories.checkin(patient, recorded_at=at - timedelta(days=day))
    factories.entry(patient, body="The first page.", written_at=at - timedelta(days=2, hours=1))
    factories.entry(patient, body="The second page.", written_at=at - timedelta(hours=1))
    factories.measure_response(patient, "phq9", completed_at=at - timedelta(days=3))
    factories.measure_response(patient, "gad7", completed_at=at - timedelta(days=3))
    db.session.rollback()

    def when(moment):  # as the app writes it in British English
        return f"{moment:%a} {moment.day} {moment:%b}, {moment.hour}:{moment:%M}"

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", timezone_id="UTC"
    )
    try:
        page = context.new_page()
        sign_in_via_api(page, live_server, patient)
        open_screen(page, live_server, "/sharing", "The second page.")
        # The lists load one after the other; the check-ups come last.
        checkups = page.get_by_role("region", name="Check-ups")
        expect(checkups.get_by_role("switch")).to_have_count(2)
        names = switch_names(page.locator("main"))
        assert len(names) == 1 + 5 + 2 + 2  # the default for new items, then each item
        assert len(set(names)) == len(names), names
        checkins = page.get_by_role("region", name="Check-ins")
        expect(
            checkins.get_by_role(
                "switch", name=f"Shared with my therapist: check-in of {when(at)}", exact=True
            )
        ).to_be_checked()
        entry_at = when(at - timedelta(hours=1))
        expect(
            page.get_by_role(
                "switch", name=f"Shared with my therapist: journal entry of {entry_at}", exact=True
            )
        ).to_have_count(1)
        phq9_at = when(at - timedelta(days=3))
        expect(
            page.get_by_role(
                "switch", name=f"Shared with my therapist: PHQ-9 of {phq9_at}", exact=True
            )
        ).to_have_count(1)
        check_accessibility(page, "sharing, switches named per item")

        # The journal's cards: the switch and the checkbox of each entry.
        open_screen(page, live_server, "/journal", "The second page.")
        entries = page.get_by_role("list", name="My entries")
        expect(entries.get_by_role("switch")).to_have_count(2)  # the sharing screen showed them too
        shared = switch_names(entries)
        assert len(shared) == 2 and len(set(shared)) == 2, shared
        card = page.get_by_role("article").filter(has_text="The second page.")
        expect(
            card.get_by_role(
                "switch", name=f"Shared with my therapist: entry of {entry_at}", exact=True
            )
        ).to_be_checked()
        expect(
            card.get_by_role(
                "checkbox", name=f"Talk about this next session: entry of {entry_at}", exact=True
            )
        ).not_to_be_checked()
        discuss = switch_names(entries, "checkbox")
        assert len(discuss) == 2 and len(set(discuss)) == 2, discuss
        check_accessibility(page, "journal, switches named per entry")
    finally:
        context.close()
