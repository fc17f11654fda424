"""The service worker's side of Web Push: a push always shows a notification,
and a click opens the screen the payload names."""

import json

from playwright.sync_api import expect

from tests.browser.helpers import open_app, wait_for_service_worker


def registration_ids(cdp, page):
    """Service worker registrations by scope, as DevTools reports them."""
    found = {}
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.update(
            {r["scopeURL"]: r["registrationId"] for r in event["registrations"]}
        ),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(50):  # events arrive with or just after the reply
        if found:
            break
        page.wait_for_timeout(100)
    return found


def test_a_push_shows_a_notification_with_its_link(page, context, live_server):
    context.grant_permissions(["notifications"], origin=live_server)
    open_app(page, live_server, "/signin")
    wait_for_service_worker(page)
    cdp = context.new_cdp_session(page)
    registrations = registration_ids(cdp, page)
    scope = live_server + "/"
    assert scope in registrations, registrations
    payload = {
        "title": "A reflection prompt is waiting",
        "body": "Open Between when you have a quiet moment.",
        "url": "/#/journal/new",
        "tag": "prompt",
    }
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server,
            "registrationId": registrations[scope],
            "data": json.dumps(payload),
        },
    )
    shown = page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.ready;
            for (let i = 0; i < 50; i++) {
              const list = await registration.getNotifications();
              if (list.length) {
                return list.map(n => ({title: n.title, body: n.body, tag: n.tag, data: n.data}));
              }
              await new Promise(r => setTimeout(r, 100));
            }
            return [];
        }"""
    )
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
