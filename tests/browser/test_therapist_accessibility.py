"""Every workspace screen at a laptop viewport: no axe-core violations in light and dark,
keyboard focus that shows, and the committed screenshots (SCREENSHOTS=1 writes
docs/screenshots/therapist-*.png)."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    check_accessibility,
    confirm_enrolment,
    screenshot,
    sign_in_a_newcomer,
)

WORKSPACE = "/therapist/index.html"

# (name, route, heading that shows once the screen is there, text that shows once its data is)
THERAPIST_SCREENS = [
    ("caseload", "/caseload", "Caseload", "1 patient with an urgent flag"),
    ("patient", "/patients/{robin}", "Robin Ash", "Over the treatment"),
    ("brief", "/patients/{robin}/brief", "Session brief: Robin Ash", "Days without a check-in"),
    ("schedule", "/patients/{robin}/schedule", "Schedule and prompts: Robin Ash", "Coming up"),
    ("flags", "/flags", "Flags", "2 open flags, 1 urgent."),
    ("prompts", "/prompts", "Prompt library", "Showing"),
    ("invites", "/invites", "Invite a patient", "They join your care team."),
    ("account", "/account", "My account", "Replace two-step sign-in"),
]


def open_screen(page, base, route, heading, ready):
    page.goto(f"{base}{WORKSPACE}#{route}")
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    expect(page.get_by_text(ready, exact=False).first).to_be_visible()
    expect(page.locator(".loading")).to_have_count(0)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_therapist_screen_passes_axe(desk, live_server, practice, staff_sign_in, scheme):
    desk.clock.install()  # the idle warning below comes by itself, as it would after 13 minutes
    desk.emulate_media(color_scheme=scheme)
    suffix = "" if scheme == "light" else "-dark"
    desk.goto(f"{live_server}{WORKSPACE}#/signin")
    expect(desk.get_by_role("heading", name="Sign in")).to_be_visible()
    check_accessibility(desk, f"sign in ({scheme})")
    screenshot(desk, f"therapist-sign-in{suffix}")

    staff_sign_in(desk, practice.therapist_email, practice.secret)
    for name, route, heading, ready in THERAPIST_SCREENS:
        open_screen(desk, live_server, route.format(robin=practice.robin), heading, ready)
        check_accessibility(desk, f"{name} ({scheme})")
        screenshot(desk, f"therapist-{name}{suffix}")

    # The brief as it prints.
    open_screen(
        desk,
        live_server,
        f"/patients/{practice.robin}/brief",
        "Session brief: Robin Ash",
        "Days without a check-in",
    )
    if scheme == "light":  # paper is white whatever the screen's scheme
        desk.emulate_media(media="print")
        screenshot(desk, "therapist-brief-print")
        desk.emulate_media(media="screen")

    # Forms opened in place: moving and cancelling a session, editing a prompt.
    open_screen(
        desk,
        live_server,
        f"/patients/{practice.robin}/schedule",
        "Schedule and prompts: Robin Ash",
        "Coming up",
    )
    dosing = desk.get_by_role("region", name="Dosing sessions")
    dosing.get_by_role("button", name="Move the dosing session", exact=False).first.click()
    expect(dosing.get_by_label("New date and time")).to_be_focused()
    dosing.get_by_role("button", name="Cancel the dosing session", exact=False).first.click()
    expect(dosing.get_by_role("button", name="Yes, cancel it")).to_be_focused()
    check_accessibility(desk, f"schedule with a session being cancelled ({scheme})")

    open_screen(desk, live_server, "/invites", "Invite a patient", "They join your care team.")
    desk.get_by_label("Patient's email").fill("newpatient@example.test")
    desk.get_by_role("button", name="Create the invitation").click()
    expect(
        desk.get_by_role("img", name="QR code of the invitation link", exact=False)
    ).to_be_visible()
    check_accessibility(desk, f"invitation created ({scheme})")
    screenshot(desk, f"therapist-invite-created{suffix}")

    # The idle warning. After a request at t the server's idle clock started
    # between t - 60 s and t, so the warning shows from t + 12:55 at the latest
    # and the session ends from t + 13:55 at the earliest: 13:20 is in between.
    desk.clock.fast_forward("13:20")
    expect(desk.get_by_role("dialog", name="Still there?")).to_be_visible()
    check_accessibility(desk, f"idle warning ({scheme})")
    screenshot(desk, f"therapist-idle-warning{suffix}")
    desk.keyboard.press("Escape")
    expect(desk.get_by_role("dialog", name="Still there?")).to_be_hidden()


def test_the_admin_screens_and_enrolment_pass_axe(desk, live_server, practice, staff_sign_in):
    staff_sign_in(desk, practice.admin_email, practice.secret)
    expect(desk.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(desk.locator("table.audit tbody tr").first).to_be_visible()
    check_accessibility(desk, "audit log")
    screenshot(desk, "therapist-audit")
    open_screen(desk, live_server, "/invites", "Invite a therapist", "Therapists then invite")
    check_accessibility(desk, "invite a therapist")
    desk.get_by_role("link", name="Sign out").click()
    expect(desk.get_by_role("heading", name="You're signed out")).to_be_visible()
    check_accessibility(desk, "signed out")

    sign_in_a_newcomer(desk, staff_sign_in)
    check_accessibility(desk, "two-step enrolment")
    screenshot(desk, "therapist-enrol")
    secret = desk.locator("code.secret").inner_text().replace(" ", "")
    confirm_enrolment(desk, secret)
    check_accessibility(desk, "recovery codes")


def test_the_workspace_works_from_the_keyboard(desk, live_server, practice, staff_sign_in):
    """Tab reaches the skip link, navigation, sorting and rows, and focus always shows."""
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    desk.reload()  # a fresh page: focus starts at the top
    expect(desk.locator("table.caseload tbody tr")).to_have_count(3)
    desk.keyboard.press("Tab")
    expect(desk.get_by_role("link", name="Skip to content")).to_be_focused()
    desk.keyboard.press("Enter")
    focused = []
    for _ in range(30):
        desk.keyboard.press("Tab")
        focused.append(
            desk.evaluate(
                """() => {
                    const el = document.activeElement;
                    if (el === document.body) return ["(past the end)", true];
                    const style = getComputedStyle(el);
                    return [el.textContent.trim().slice(0, 40), style.outlineStyle !== 'none'
                            && parseFloat(style.outlineWidth) >= 2];
                }"""
            )
        )
    names = [name for name, _ in focused]
    assert "Patient" in names and "Robin Ash" in names, names
    assert all(visible for _, visible in focused), [item for item in focused if not item[1]]
    # Sort with the keyboard.
    desk.get_by_role("button", name="Patient").focus()
    desk.keyboard.press("Enter")
    expect(desk.get_by_role("columnheader", name="Patient")).to_have_attribute(
        "aria-sort", "ascending"
    )


def test_the_screens_reflow_at_200_percent_zoom(browser, live_server, practice, staff_sign_in):
    """A 1280-pixel laptop at 200 % zoom is 640 CSS pixels wide: no sideways scrolling of
    the page (a wide table scrolls inside its own focusable region)."""
    zoomed = browser.new_context(viewport={"width": 640, "height": 400})
    try:
        page = zoomed.new_page()
        staff_sign_in(page, practice.therapist_email, practice.secret)
        screens = [
            ("/caseload", "Caseload", "1 patient with an urgent flag"),
            (f"/patients/{practice.robin}", "Robin Ash", "Over the treatment"),
            (
                f"/patients/{practice.robin}/brief",
                "Session brief: Robin Ash",
                "Days without a check-in",
            ),
            (
                f"/patients/{practice.robin}/schedule",
                "Schedule and prompts: Robin Ash",
                "Coming up",
            ),
            ("/flags", "Flags", "2 open flags, 1 urgent."),
            ("/prompts", "Prompt library", "Showing"),
        ]
        for route, heading, ready in screens:
            open_screen(page, live_server, route, heading, ready)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 640, f"{route} is {width} px wide at 200 % zoom"
    finally:
        zoomed.close()
