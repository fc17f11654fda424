"""Helpers for the patient PWA's browser tests: signing in, axe-core, screenshots, storage."""

import json
import os
from pathlib import Path

from playwright.sync_api import Page, expect

from tests import factories

HERE = Path(__file__).resolve().parent
AXE = HERE / "vendor" / "axe.min.js"
SCREENSHOTS = HERE.parents[1] / "docs" / "screenshots"


def sign_in_via_api(page: Page, base: str, user) -> None:
    """Start a session with the same cookie jar the page uses (faster than the form)."""
    response = page.request.post(
        base + "/api/v1/auth/login",
        data={"email": user.email, "password": factories.PASSWORD},
        headers={"Origin": base},
    )
    assert response.ok, response.text()


def open_app(page: Page, base: str, route: str = "/today") -> None:
    page.goto(f"{base}/#{route}")
    expect(page.locator("main h1")).to_be_visible()


def end_session_on_the_server(page: Page, base: str) -> None:
    """The server ends the session (as after 30 idle minutes); the app does not know yet."""
    me = page.request.get(base + "/api/v1/auth/me").json()
    page.request.post(
        base + "/api/v1/auth/logout",
        headers={"Origin": base, "X-CSRF-Token": me["csrf_token"]},
    )


def wait_for_service_worker(page: Page) -> None:
    """Until the service worker controls the page (and so the shell is cached)."""
    # evaluate, not wait_for_function: the page's CSP forbids the eval that one uses.
    page.evaluate(
        """async () => {
            await navigator.serviceWorker.ready;
            if (!navigator.serviceWorker.controller) {
              await new Promise(done =>
                navigator.serviceWorker.addEventListener('controllerchange', done, {once: true}));
            }
        }"""
    )


def registration_ids(cdp, page: Page) -> dict[str, str]:
    """Service worker registrations by scope, as DevTools reports them."""
    found = {}
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.update(
            {r["scopeURL"]: r["registrationId"] for r in event["registrations"]}
        ),
    )
    cdp.send("ServiceWorker.enable")
    wait_until(page, lambda: found, every_ms=100)  # events arrive with or just after the reply
    return found


def wait_until(page: Page, condition, *, attempts: int = 50, every_ms: int = 200):
    """Ask `condition()` until it is truthy, waiting `every_ms` in the page between tries,
    at most `attempts` times; its last answer (the caller asserts on it)."""
    for _ in range(attempts):
        answer = condition()
        if answer:
            return answer
        page.wait_for_timeout(every_ms)
    return condition()


class FirstRequestHeld:
    """The first request to `pattern` on `target` (a page or its browser context) held
    back, later ones let through: an answer made to arrive after the user has acted."""

    def __init__(self, page: Page, target, pattern):
        self.page = page
        self.held = []
        target.route(
            pattern,
            lambda route: self.held.append(route) if not self.held else route.continue_(),
        )

    def wait(self) -> None:
        """Until the request has been made, and held."""
        assert wait_until(self.page, lambda: self.held), "the request was never made"

    def release(self) -> None:
        """Let it through, wait until its answer is in, and give the screen a moment to
        read it (and draw it, or set it aside)."""
        url = self.held[0].request.url
        with self.page.expect_response(lambda response: response.url == url) as answer:
            self.held[0].continue_()
        answer.value.finished()
        self.page.wait_for_timeout(300)


def deliver_push(page: Page, cdp, base: str, data: str, attempts: int = 5) -> list[dict]:
    """Deliver `data` to the app's service worker through DevTools (the stand-in
    push service cannot reach Chromium) and return the notifications it shows.

    A worker that is still activating can drop a message DevTools hands it, so
    the message goes again until one shows; every payload the app sends has a
    tag, and a second showing of a tag replaces the first.
    """
    page.evaluate(
        """async () => {
            const worker = (await navigator.serviceWorker.ready).active;
            if (worker.state !== 'activated') {
              await new Promise(done => worker.addEventListener('statechange',
                () => worker.state === 'activated' && done()));
            }
        }"""
    )
    registration = registration_ids(cdp, page)[base + "/"]
    for _ in range(attempts):
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": base, "registrationId": registration, "data": data},
        )
        shown = page.evaluate(
            """async () => {
                const registration = await navigator.serviceWorker.ready;
                for (let i = 0; i < 30; i++) {
                  const list = await registration.getNotifications();
                  if (list.length) {
                    return list.map(n => ({
                      title: n.title, body: n.body, tag: n.tag, data: n.data}));
                  }
                  await new Promise(r => setTimeout(r, 100));
                }
                return [];
            }"""
        )
        if shown:
            return shown
    return []


def check_accessibility(page: Page, name: str) -> None:
    """axe-core (WCAG 2.0 to 2.2 A and AA rules) finds nothing on the current screen.

    Injected through the DevTools protocol, which the page's strict CSP does
    not apply to (a <script> tag of ours would be refused, as it should be).
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
              runOnly: {type: 'tag', values: [
                'wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
            });
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 3).map(
                n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
        }"""
    )
    assert result == [], f"axe violations on {name}:\n" + json.dumps(result, indent=2)


def check_both_schemes(page: Page, name: str) -> None:
    """`check_accessibility` in the light and the dark scheme, with reduced motion
    (buttons fade their colours otherwise, and axe would judge mid-fade)."""
    page.emulate_media(reduced_motion="reduce")
    check_accessibility(page, name)
    page.emulate_media(color_scheme="dark")
    check_accessibility(page, f"{name} (dark)")
    page.emulate_media(color_scheme="light")


def screenshot(page: Page, name: str) -> None:
    """What the phone shows, saved into docs/screenshots/ when SCREENSHOTS=1 (the committed set)."""
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def indexeddb_contents(page: Page) -> dict:
    """Every record of every store of every IndexedDB database of the origin."""
    return page.evaluate(
        """async () => {
            const out = {};
            for (const info of await indexedDB.databases()) {
              const db = await new Promise((ok, ko) => {
                const r = indexedDB.open(info.name);
                r.onsuccess = () => ok(r.result);
                r.onerror = () => ko(r.error);
              });
              for (const name of db.objectStoreNames) {
                out[info.name + '/' + name] = await new Promise((ok, ko) => {
                  const r = db.transaction(name).objectStore(name).getAll();
                  r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error);
                });
              }
              db.close();
            }
            return out;
        }"""
    )


def cache_contents(page: Page) -> dict:
    """Cache Storage: each cache's name and the URLs it holds."""
    return page.evaluate(
        """async () => {
            const out = {};
            for (const name of await caches.keys()) {
              const cache = await caches.open(name);
              out[name] = (await cache.keys()).map(r => new URL(r.url).pathname);
            }
            return out;
        }"""
    )


def fresh_rows(model, **where):
    """Rows as the live server committed them (a new session sees its commits)."""
    from sqlalchemy import select

    from server.extensions import db

    db.session.remove()
    statement = select(model)
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    rows = list(db.session.scalars(statement))
    # Let go of the rows and the transaction: on SQLite it holds the write lock.
    for row in rows:
        db.session.expunge(row)
    db.session.rollback()
    return rows


def api_post(page: Page, base: str, path: str, body: dict):
    """An API call from the page's own session (cookie and CSRF token), as the app makes it."""
    me = page.request.get(base + "/api/v1/auth/me").json()
    response = page.request.post(
        base + "/api/v1" + path,
        data=body,
        headers={"Origin": base, "X-CSRF-Token": me["csrf_token"]},
    )
    assert response.ok, response.text()
    return response.json()


def sign_in_with_form(page: Page, base: str, user) -> None:
    page.goto(base + "/#/signin")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()


def sign_in_a_newcomer(page: Page, staff_sign_in) -> None:
    """A therapist new to a new clinic, without two-step sign-in, signs in: enrolment shows."""
    from server.extensions import db

    newcomer = factories.user(
        factories.clinic(), "therapist", totp_secret=None, display_name="Dr New"
    )
    email = newcomer.email
    db.session.remove()
    staff_sign_in(page, email, None)
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()


def confirm_enrolment(page: Page, secret: str) -> None:
    """Type the current code of `secret` on the enrolment screen: the recovery codes show."""
    import pyotp

    page.get_by_label("Code shown by the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Keep your recovery codes")).to_be_focused()


def open_screen(page, base, route, ready_text):
    page.goto(f"{base}/#{route}")
    expect(page.get_by_text(ready_text, exact=False).first).to_be_visible()
    # Every part that loads on its own has arrived (no layout is still to change).
    expect(page.locator(".loading")).to_have_count(0)
    expect(page.get_by_text("Looking for")).to_have_count(0)


SCREENS = [
    # (screenshot name, route, text that shows once the screen has its data)
    ("today", "/today", "Hello, Robin."),
    ("journal", "/journal", "warmth in my hands"),
    ("journal-new", "/journal/new", "What's on your mind?"),
    ("checkups", "/measures", "My answers"),
    ("checkup-question", "/measures/gad7", "Question 1 of 7"),
    ("trend", "/trend", "Dosing sessions"),
    ("sharing", "/sharing", "warmth in my hands"),
    ("settings", "/settings", "Daily check-in reminder"),
    ("crisis", "/crisis", "While you reach out"),
    ("waiting", "/waiting", "Nothing is waiting to send."),
]
