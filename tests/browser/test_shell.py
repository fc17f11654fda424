"""The PWA page loads in real Chromium and reaches the API."""

from playwright.sync_api import expect


def test_the_page_says_the_api_is_up(page, live_server):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(live_server + "/")
    expect(page.get_by_role("status")).to_have_text("The API is up.")
    assert errors == []
