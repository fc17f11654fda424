"""Moving between screens: a screen still loading never draws into the next one."""

from playwright.sync_api import expect

from tests.browser.helpers import open_app, sign_in_via_api


def test_a_slow_screen_left_behind_does_not_draw_into_the_next(page, live_server, care_team):
    patient = care_team[2]
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/today")
    held = []
    page.route(
        "**/api/v1/me/settings",
        lambda route: held.append(route) if route.request.method == "GET" else route.continue_(),
    )
    page.evaluate("location.hash = '#/settings'")
    expect(page.get_by_role("heading", name="Reminders and time")).to_be_visible(timeout=15000)
    for _ in range(100):  # the settings screen is waiting for its answer
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the settings screen never asked for the settings"

    page.evaluate("location.hash = '#/journal'")
    journal = page.get_by_role("heading", name="Journal", exact=True)
    expect(journal).to_be_visible(timeout=15000)
    with page.expect_event("requestfinished", lambda request: request.url.endswith("/me/settings")):
        held[0].continue_()
    # The settings screen finishes drawing after its answer: give it that moment.
    page.evaluate("() => new Promise((done) => setTimeout(done, 300))")

    main = page.locator("#main")
    expect(main.get_by_role("heading", name="My data")).to_have_count(0)
    expect(main.get_by_role("heading", level=1)).to_have_count(1)
    expect(journal).to_be_visible()
    assert page.title() == "Journal · Between"
