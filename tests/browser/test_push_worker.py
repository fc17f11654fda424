"""The service worker's side of Web Push: a push always shows a notification,
and a click opens the screen the payload names."""

import json

from playwright.sync_api import expect

from tests.browser.helpers import deliver_push, open_app, wait_for_service_worker


def test_a_push_shows_a_notification_with_its_link(page, context, live_server):
    context.grant_permissions(["notifications"], origin=live_server)
    open_app(page, live_server, "/signin")
    wait_for_service_worker(page)
    payload = {
        "title": "A reflection prompt is waiting",
        "body": "Open Between when you have a quiet moment.",
        "url": "/#/journal/new",
        "tag": "prompt",
    }
    cdp = context.new_cdp_session(page)
    shown = deliver_push(page, cdp, live_server, json.dumps(payload))
    assert shown == [
        {
            "title": payload["title"],
            "body": payload["body"],
            "tag": "prompt",
            "data": {"url": live_server + "/#/journal/new"},
        }
    ]


def test_a_notification_click_takes_the_open_app_to_its_screen(page, context, live_server):
    open_app(page, live_server, "/signin")
    wait_for_service_worker(page)
    [worker] = context.service_workers
    # The click handler's work, run in the worker (a click on a system
    # notification cannot be simulated in headless Chromium).
    worker.evaluate("openApp(self.location.origin + '/#/crisis')")
    expect(page.get_by_role("heading", name="Need help now?", level=1)).to_be_visible()
