"""Readable at 200 % zoom and with large text: a 390 px phone zoomed to 200 %
(195 CSS px) and a 320 px screen with text at 200 %. The navigation stays one
row, no word breaks in the middle, the 0-10 scale fits, nothing scrolls sideways."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import SCREENS, open_screen, screenshot, sign_in_via_api

#: Words split across two lines anywhere but after a hyphen.
BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const element = node.parentElement;
    if (!element || element.closest('script, style, svg, [hidden], .visually-hidden')) continue;
    if (!element.getClientRects().length) continue;
    const words = /[^\\s\\-\\u2013\\u2014/]+/g;
    let found;
    while ((found = words.exec(node.textContent))) {
      range.setStart(node, found.index);
      range.setEnd(node, found.index + found[0].length);
      const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0)
        .map((r) => Math.round(r.bottom)));
      if (lines.size > 1) broken.push(found[0]);
    }
  }
  return broken;
}"""

SIZES = {
    "390 px zoomed to 200 %": {"viewport": {"width": 195, "height": 422}, "text": None},
    "320 px with 200 % text": {"viewport": {"width": 320, "height": 700}, "text": "200%"},
}


#: The screens added since helpers.SCREENS was drawn up, with the text that
#: shows once each has its data (a day's heading whatever the hour).
MORE_SCREENS = [
    ("my check-ins", "/checkins", "Mood 7 of 10"),
    ("a day of check-ins", "/checkins/day/{yesterday}", "Check-ins on"),
    ("my week", "/week", "You wrote"),
    ("sessions ahead", "/sessions", "No sessions are booked yet."),
    ("safety plan", "/safety-plan", "My safety plan"),
]


def reads_well(page, name, size):
    """No sideways scrolling, no word split across lines, a navigation of one row."""
    setting = SIZES[size]
    if setting["text"]:
        # As a browser's text-size setting does: the root font grows.
        page.evaluate(f"document.documentElement.style.fontSize = '{setting['text']}'")
    overflow = page.evaluate(
        "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px ({size})"
    assert page.evaluate(BROKEN_WORDS) == [], f"{name}: words broken mid-word ({size})"
    nav = page.locator("#nav").bounding_box()  # None when signed out: no navigation
    assert nav is None or nav["height"] <= setting["viewport"]["height"] * 0.2, (
        f"{name}: the navigation takes {nav['height']}px ({size})"
    )


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_reads_well_at_200_percent(browser, live_server, lived_in, size):
    from datetime import date, timedelta

    setting = SIZES[size]
    context = browser.new_context(viewport=setting["viewport"], device_scale_factor=2)
    try:
        page = context.new_page()
        # Signed out: the sign-in screen, with its pointer for clinic staff.
        open_screen(page, live_server, "/signin", "sign in to the therapist workspace")
        reads_well(page, "sign in", size)
        sign_in_via_api(page, live_server, lived_in)
        page.reload()  # the app reads the new session as it starts
        for name, route, ready in SCREENS:
            open_screen(page, live_server, route, ready)
            reads_well(page, name, size)
            if name == "today":
                tiles = page.locator("fieldset.scale").first.locator("label.choice")
                boxes = [tiles.nth(n).bounding_box() for n in range(11)]
                assert all(box["x"] + box["width"] <= setting["viewport"]["width"] for box in boxes)
                assert all(box["width"] >= 44 and box["height"] >= 44 for box in boxes)
        yesterday = (date.today() - timedelta(days=1)).isoformat()
        for name, route, ready in MORE_SCREENS:
            open_screen(page, live_server, route.format(yesterday=yesterday), ready)
            reads_well(page, name, size)
        # The check-in with every optional part open: feelings by group, my tags.
        open_screen(page, live_server, "/today", "Hello, Robin.")
        page.get_by_text("Add more (optional)").click()
        expect(page.get_by_role("group", name="Low and heavy")).to_be_visible()
        reads_well(page, "today, expanded", size)
        # The journal with search results above its list.
        open_screen(page, live_server, "/journal", "warmth in my hands")
        page.get_by_label("Find in my journal").fill("warmth")
        page.get_by_role("button", name="Find").click()
        expect(page.get_by_text("1 entry found.")).to_be_visible()
        reads_well(page, "journal search", size)
        open_screen(page, live_server, "/today", "Hello, Robin.")
        if setting["text"]:
            page.evaluate(f"document.documentElement.style.fontSize = '{setting['text']}'")
            page.evaluate("window.scrollTo(0, 0)")
            screenshot(page, "text-200-today")
    finally:
        context.close()
