"""Real Chromium (Debian's, driven by Playwright) against a live server.

Browser tests skip when Chromium is missing, unless BETWEEN_REQUIRE_BROWSER=1
(as in CI), where a missing browser is a failure.
"""

import os
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("BETWEEN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is required but missing at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM} (set BETWEEN_REQUIRE_BROWSER=1 to fail)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def live_server(app):
    """The app served on a loopback port in a thread, for the whole session."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def context(browser):
    """A fresh browser profile (storage, caches, service workers) per test."""
    made = browser.new_context(viewport={"width": 390, "height": 844})
    yield made
    made.close()


@pytest.fixture
def page(context):
    return context.new_page()


# --- The patient PWA (appended) ------------------------------------------------


def detached(*rows):
    """Rows loaded, then let go of, so the test thread holds no database transaction.

    On SQLite every transaction takes the write lock (server/dbsetup.py); a
    test that merely read `patient.email` would keep the live server from
    writing until the test ended.
    """
    from server.extensions import db

    for row in rows:
        db.session.refresh(row)
    for row in rows:
        db.session.expunge(row)
    db.session.rollback()
    return rows


@pytest.fixture
def care_team():
    """A clinic, a therapist and a patient on that therapist's care team (committed rows)."""
    from tests import factories

    clinic = factories.clinic()
    therapist = factories.user(clinic, "therapist")
    patient = factories.user(clinic, "patient", therapist=therapist, display_name="Robin")
    return detached(clinic, therapist, patient)


@pytest.fixture
def console_errors(page):
    """Console errors and uncaught exceptions of the page; a test asserts it stays empty."""
    errors = []

    def on_console(message):
        # Expected HTTP failures (401 signed out, offline) are logged by Chromium itself.
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
