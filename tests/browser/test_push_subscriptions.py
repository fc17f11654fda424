"""Push subscriptions made by real Chromium: turned on from a click, re-sent
when the app opens, replaced by the service worker on `pushsubscriptionchange`,
and gone from the device and the server when the person signs out.

Chromium makes a push subscription (endpoint, P-256 key pair, auth secret)
itself, but first checks in with Google's GCM servers and registers for a
token. Headless Chromium can do neither here (no network, and an incognito
profile, Playwright's default, refuses push outright), so these tests run a
persistent profile whose `--gcm-checkin-url` and `--gcm-registration-url`
point at `LoopbackGcm` below. Everything else is the browser's own: its
PushManager, its keys, its service worker. Only the token inside the endpoint
URL comes from the stand-in; nothing is ever pushed through it (delivery to
the device is tested with DevTools in test_push_worker.py).
"""

import re
import secrets
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete

from server.extensions import db
from server.push.models import PushSubscription
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.browser.helpers import (
    deliver_push,
    fresh_rows,
    sign_in_with_form,
    wait_for_service_worker,
)
from tests.push.pushservice import POLL_INTERVAL


class LoopbackGcm:
    """Answers Chromium's GCM check-in (protobuf) and registration (form) requests."""

    def __init__(self):
        stand_in = self
        self.registrations = 0

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/checkin"):
                    # AndroidCheckinResponse: stats_ok=1, android_id (7), security_token (8).
                    body = (
                        b"\x08\x01"
                        + b"\x39"
                        + struct.pack("<Q", secrets.randbits(62) + 1)
                        + b"\x41"
                        + struct.pack("<Q", secrets.randbits(62) + 1)
                    )
                    kind = "application/x-protobuf"
                else:
                    stand_in.registrations += 1
                    body = f"token={secrets.token_urlsafe(40)}".encode()
                    kind = "text/plain"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(POLL_INTERVAL,), daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)

    def switches(self) -> list[str]:
        base = f"http://127.0.0.1:{self.server.server_port}"
        return [
            f"--gcm-checkin-url={base}/checkin",
            f"--gcm-registration-url={base}/register",
            "--gcm-mcs-endpoint=https://127.0.0.1:9",  # no messages come this way
        ]


@pytest.fixture
def push_profile(browser, tmp_path):
    """`push_profile(width, height)`: a fresh persistent Chromium profile that can subscribe."""
    opened = []
    with LoopbackGcm() as gcm:

        def open_profile(width=390, height=844):
            context = browser.browser_type.launch_persistent_context(
                str(tmp_path / f"profile-{len(opened)}"),
                executable_path=CHROMIUM,
                args=[*CHROMIUM_FLAGS, *gcm.switches()],
                viewport={"width": width, "height": height},
            )
            context.gcm = gcm
            opened.append(context)
            return context

        yield open_profile
        for context in opened:
            context.close()


def first_page(context):
    return context.pages[0] if context.pages else context.new_page()


def browser_endpoint(page):
    """The endpoint of this browser's push subscription, or None."""
    return page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.getRegistration();
            const subscription = registration && await registration.pushManager.getSubscription();
            return subscription ? subscription.endpoint : null;
        }"""
    )


def endpoints_on_server(user_id):
    return [row.endpoint for row in fresh_rows(PushSubscription, user_id=user_id)]


def until(check, page, tries=100):
    """Poll `check()` (a server-side look) while the page works; its last answer."""
    for _ in range(tries):
        answer = check()
        if answer:
            return answer
        page.wait_for_timeout(100)
    return check()


def turn_reminders_on(context, page, base):
    """Settings → "Turn on reminders on this phone", allowing notifications when asked."""
    page.goto(base + "/#/settings")
    wait_for_service_worker(page)
    context.grant_permissions(["notifications"], origin=base)  # the person says yes
    page.get_by_role("button", name="Turn on reminders on this phone").click()
    expect(page.get_by_role("status").filter(has_text="Reminders")).to_have_text(
        "Reminders are on for this phone."
    )
    endpoint = browser_endpoint(page)
    assert endpoint and endpoint.startswith("https://")
    return endpoint


def test_signing_out_stops_this_phones_reminders_on_the_phone_and_on_the_server(
    push_profile, live_server, care_team
):
    _, _, patient = care_team
    context = push_profile()
    page = first_page(context)
    sign_in_with_form(page, live_server, patient)
    endpoint = turn_reminders_on(context, page, live_server)
    assert endpoints_on_server(patient.id) == [endpoint]
    assert context.gcm.registrations >= 1

    page.goto(live_server + "/#/signout")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert browser_endpoint(page) is None
    assert endpoints_on_server(patient.id) == []

    # The next person to sign in on this phone is not subscribed behind their back.
    sign_in_with_form(page, live_server, patient)
    page.wait_for_load_state("networkidle")
    assert browser_endpoint(page) is None
    assert endpoints_on_server(patient.id) == []


def test_opening_the_app_tells_the_server_about_this_phone_again(
    push_profile, live_server, care_team
):
    _, _, patient = care_team
    context = push_profile()
    page = first_page(context)
    sign_in_with_form(page, live_server, patient)
    endpoint = turn_reminders_on(context, page, live_server)
    # The server lost the device (say, a push failed while the phone was away).
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(delete(PushSubscription).where(PushSubscription.user_id == patient.id))
    assert endpoints_on_server(patient.id) == []

    page.reload()
    assert until(lambda: endpoints_on_server(patient.id), page) == [endpoint]

    # Turned off on purpose: opening the app again does not turn it back on.
    page.goto(live_server + "/#/settings")
    reminders = page.get_by_role("status").filter(has_text="Reminders")
    expect(reminders).to_have_text("Reminders are on for this phone.")
    page.get_by_role("button", name="Turn reminders off on this phone").click()
    expect(page.get_by_role("status").filter(has_text="Reminders")).to_have_text(
        "Reminders are off for this phone. You can turn them on any time."
    )
    assert endpoints_on_server(patient.id) == []
    page.reload()
    expect(page.locator("main h1")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert browser_endpoint(page) is None
    assert endpoints_on_server(patient.id) == []
    expect(reminders).to_have_text(
        "Reminders are off for this phone. You can turn them on any time."
    )


def test_the_service_worker_replaces_a_changed_subscription_on_the_server(
    push_profile, live_server, care_team
):
    _, _, patient = care_team
    context = push_profile()
    page = first_page(context)
    sign_in_with_form(page, live_server, patient)
    old = turn_reminders_on(context, page, live_server)
    [worker] = context.service_workers
    # The push service dropped the subscription and the browser has none: the
    # worker's own `pushsubscriptionchange` listener gets the event. Chromium
    # offers no way to make the push service fire it, so the test dispatches it
    # in the worker, keeping the work the listener hands to waitUntil (which an
    # event not sent by the browser may not call) to wait for it.
    new = worker.evaluate(
        """async () => {
            const old = await self.registration.pushManager.getSubscription();
            await old.unsubscribe();
            const event = new ExtendableEvent("pushsubscriptionchange");
            Object.defineProperties(event, {
                oldSubscription: { value: old },
                newSubscription: { value: null },
            });
            let work = null;
            event.waitUntil = (promise) => { work = promise; };
            self.dispatchEvent(event);
            if (!work) return "the listener did not wait for its work";
            const fresh = await work;
            return fresh.endpoint;
        }"""
    )
    assert new.startswith("https://") and new != old, new
    assert browser_endpoint(page) == new
    assert endpoints_on_server(patient.id) == [new]


def turn_urgent_flag_pushes_on(context, page, base, user_id):
    """From Off, "Notify me of urgent flags on this device" (permission granted) turns
    it On: the browser's subscription is the one the server keeps for `user_id`."""
    status = page.locator("#urgent-push-status")
    expect(status).to_have_text("Off: urgent flags show here, but this device is not notified.")
    context.grant_permissions(["notifications"], origin=base)
    page.get_by_role("button", name="Notify me of urgent flags on this device").click()
    expect(status).to_have_text(
        "On: an urgent flag notifies you on this device, even with Between closed."
    )
    endpoint = browser_endpoint(page)
    assert endpoint and endpoints_on_server(user_id) == [endpoint]


def _open_flags(page):
    page.get_by_role("link", name="Flags, 2 open").click()
    expect(page.get_by_role("heading", name="Flags", level=1)).to_be_visible()


def test_a_therapist_turns_on_urgent_flag_notifications_for_this_computer(
    push_profile, live_server, practice, staff_sign_in
):
    context = push_profile(1280, 800)
    page = first_page(context)
    staff_sign_in(page, practice.therapist_email, practice.secret)
    _open_flags(page)
    status = page.locator("#urgent-push-status")
    assert browser_endpoint(page) is None  # nothing asked, nothing registered yet
    turn_urgent_flag_pushes_on(context, page, live_server, practice.therapist_id)
    expect(
        page.get_by_role("button", name="Notify me of urgent flags on this device")
    ).to_be_hidden()

    page.reload()  # the state is read back from the browser
    expect(status).to_have_text(
        "On: an urgent flag notifies you on this device, even with Between closed."
    )
    page.get_by_role("button", name="Stop notifying this device").click()
    expect(status).to_have_text("Off: urgent flags show here, but this device is not notified.")
    assert browser_endpoint(page) is None
    assert endpoints_on_server(practice.therapist_id) == []

    # On again, then signing out stops it: the computer may be someone else's next.
    page.get_by_role("button", name="Notify me of urgent flags on this device").click()
    expect(status).to_contain_text("On:")
    assert len(endpoints_on_server(practice.therapist_id)) == 1
    page.get_by_role("link", name="Sign out").click()
    expect(page.get_by_role("heading", name="You're signed out")).to_be_visible()
    assert browser_endpoint(page) is None
    assert endpoints_on_server(practice.therapist_id) == []


def test_blocked_notifications_are_said_plainly(desk, live_server, practice, staff_sign_in):
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    _open_flags(desk)
    status = desk.locator("#urgent-push-status")
    expect(status).to_have_text("Off: urgent flags show here, but this device is not notified.")
    assert desk.evaluate("Notification.permission") == "default"  # never asked on opening
    # Headless Chromium answers the prompt with "Block" for a permission the
    # test did not grant, as a person may.
    desk.get_by_role("button", name="Notify me of urgent flags on this device").click()
    expect(status).to_have_text(
        "Blocked: this browser blocks notifications from Between. "
        "Allow them in its site settings to be notified here."
    )
    assert desk.evaluate("Notification.permission") == "denied"
    # No button that cannot work any more; nothing was subscribed.
    expect(
        desk.get_by_role("button", name="Notify me of urgent flags on this device")
    ).to_be_hidden()
    assert endpoints_on_server(practice.therapist_id) == []
    desk.reload()
    expect(status).to_contain_text("Blocked:")


def test_an_urgent_flag_push_shows_generic_words_and_its_click_opens_flags(
    push_profile, live_server, practice, staff_sign_in
):
    """The server's own urgent-flag payload, delivered to the therapist's service
    worker through DevTools (the stand-in push service cannot reach Chromium)."""
    from server.push.services import payload_for

    context = push_profile(1280, 800)
    page = first_page(context)
    staff_sign_in(page, practice.therapist_email, practice.secret)
    _open_flags(page)
    context.grant_permissions(["notifications"], origin=live_server)
    page.get_by_role("button", name="Notify me of urgent flags on this device").click()
    expect(page.locator("#urgent-push-status")).to_contain_text("On:")
    page.get_by_role("link", name="Caseload").click()
    expect(page.get_by_role("heading", name="Caseload", level=1)).to_be_visible()

    cdp = context.new_cdp_session(page)
    shown = deliver_push(page, cdp, live_server, payload_for("urgent_flag").decode())
    assert shown == [
        {
            "title": "Between",
            "body": "Something needs your attention",  # no name, no kind of flag
            "tag": "urgent_flag",
            "data": {"url": live_server + "/therapist/index.html#/flags"},
        }
    ]
    [worker] = context.service_workers
    # The click handler's work (a click on a system notification cannot be
    # simulated headless): the open workspace goes to Flags.
    worker.evaluate(f"openApp({shown[0]['data']['url']!r})")
    expect(page.get_by_role("heading", name="Flags", level=1)).to_be_visible()


def test_an_admin_sees_an_escalated_flag_and_turns_on_its_notifications(
    push_profile, live_server, practice, staff_sign_in
):
    """Escalation reaches the clinic's admins: the flag on their flags screen, marked
    escalated and without an acknowledge form (that is the care team's), and the
    same notification control as the therapists'."""
    from datetime import timedelta

    from server.auth.models import User
    from server.db import utcnow
    from server.flags.escalation import escalate_overdue
    from tests.browser.helpers import check_accessibility

    [escalated] = escalate_overdue(utcnow() + timedelta(hours=24))
    assert escalated.id == practice.urgent_flag  # the warning flag is never escalated
    db.session.commit()
    [admin] = fresh_rows(User, email=practice.admin_email)
    context = push_profile(1280, 800)
    page = first_page(context)
    staff_sign_in(page, practice.admin_email, practice.secret)
    page.get_by_role("link", name=re.compile(r"^Flags")).click()
    expect(page.get_by_role("heading", name="Flags", level=1)).to_be_visible()
    expect(page.get_by_text("1 escalated flag.")).to_be_visible()
    card = page.locator(".flag-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Robin Ash: Safety answer on the PHQ-9")
    expect(card.locator(".badge.escalated")).to_have_text("Escalated")
    expect(card.get_by_role("button", name="Acknowledge")).to_have_count(0)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
        check_accessibility(page, f"admin's escalated flags ({scheme})")
    page.emulate_media(color_scheme="light")

    turn_urgent_flag_pushes_on(context, page, live_server, admin.id)
