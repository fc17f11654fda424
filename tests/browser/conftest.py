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
    from datetime import timedelta

    from server.db import utcnow

    # Joined long ago: tests write history dated back, and a time before the
    # account existed is refused (server.fields.device_time_error).
    joined = utcnow() - timedelta(days=400)
    patient = factories.user(
        clinic, "patient", therapist=therapist, display_name="Robin", created_at=joined
    )
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


# --- The therapist workspace (appended) ----------------------------------------


@pytest.fixture
def laptop(browser):
    """A fresh browser profile at a laptop viewport (1280 by 800), as therapists use it."""
    made = browser.new_context(viewport={"width": 1280, "height": 800})
    yield made
    made.close()


@pytest.fixture
def desk(laptop):
    """A page in the laptop profile."""
    return laptop.new_page()


@pytest.fixture
def staff_sign_in(live_server):
    """`staff_sign_in(page, email, secret)` signs in through the workspace's form with TOTP
    (`open_page=False`: on the sign-in screen the page already shows).

    The code comes from pyotp and the account's secret, as an authenticator
    app makes it; the last used step is forgotten first (in a connection of
    its own, so the test holds no lock the live server waits on), because
    tests sign in more than once within 30 seconds.
    """
    import pyotp
    from playwright.sync_api import expect
    from sqlalchemy import update

    from server.auth.models import User
    from server.extensions import db

    def sign_in(page, email, secret, password=None, open_page=True):
        from tests import factories

        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(update(User).where(User.email == email).values(totp_last_step=None))
        if open_page:
            page.goto(f"{live_server}/therapist/index.html#/signin")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password or factories.PASSWORD)
        page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).now() if secret else "")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign in")).to_have_count(0)

    return sign_in


@pytest.fixture
def practice():
    """A clinic as a therapist finds it on a Monday morning (committed rows, plain values back).

    - Robin Ash: five weeks of daily check-ins around two dosing sessions, PHQ-9
      from a severe baseline to remission, entries (one answering a prompt and
      marked to discuss), a private entry and check-in that must never show, the
      last integration session six days ago and the next in two days, and an
      urgent flag (a safety answer) raised three hours ago.
    - Sam Birch: a few check-ins and a mood-drop flag raised yesterday.
    - Alex Cedar: nothing shared yet.
    - Another therapist's patient, who must never show.
    Staff are enrolled in TOTP with `factories.STAFF_TOTP_SECRET`.
    """
    from datetime import timedelta
    from types import SimpleNamespace

    from server.db import utcnow
    from server.extensions import db
    from tests import factories

    now = utcnow()
    clinic = factories.clinic("Riverside KAP")
    therapist = factories.user(clinic, "therapist", display_name="Dr Morgan Lee")
    admin = factories.user(clinic, "admin", display_name="Jo Admin")
    colleague = factories.user(clinic, "therapist", display_name="Dr Other")
    robin = factories.user(clinic, "patient", therapist=therapist, display_name="Robin Ash")
    sam = factories.user(clinic, "patient", therapist=therapist, display_name="Sam Birch")
    alex = factories.user(clinic, "patient", therapist=therapist, display_name="Alex Cedar")
    factories.user(clinic, "patient", therapist=colleague, display_name="Quinn Elsewhere")

    for days_ago, status in ((40, "completed"), (12, "completed")):
        factories.ketamine_session(
            robin, created_by=therapist, scheduled_at=now - timedelta(days=days_ago), status=status
        )
    factories.ketamine_session(robin, created_by=therapist, scheduled_at=now + timedelta(days=5))
    factories.integration_session(
        robin, therapist, scheduled_at=now - timedelta(days=6), status="completed"
    )
    factories.integration_session(robin, therapist, scheduled_at=now + timedelta(days=2))

    for day in range(35):
        at = now - timedelta(days=35 - day, hours=2)
        factories.checkin(robin, recorded_at=at, mood=min(9, 3 + day // 6), anxiety=4, energy=5)
    factories.checkin(
        robin,
        recorded_at=now - timedelta(days=1, hours=5),
        mood=7,
        emotions=["calm", "hopeful"],
        note="Slept well after the walk by the river.",
        discuss_next_session=True,
    )
    factories.checkin(
        robin, recorded_at=now - timedelta(hours=6), mood=2, note="PRIVATE-NOTE", shared=False
    )
    prompt = factories.prompt(
        clinic, "What did you notice in your body after the session?", theme="body"
    )
    factories.entry(
        robin,
        "My chest felt open, like a window left ajar.",
        prompt_id=prompt.id,
        written_at=now - timedelta(days=2),
        discuss_next_session=True,
    )
    factories.entry(robin, "A long walk; I called my sister.", written_at=now - timedelta(days=1))
    factories.entry(
        robin,
        "PRIVATE-ENTRY never for the therapist",
        written_at=now - timedelta(hours=3),
        shared=False,
    )
    for days_ago, answers in ((44, [2] * 9), (20, [1] * 9), (3, [1, 1, 1, 1, 0, 0, 0, 0, 0])):
        factories.measure_response(
            robin, "phq9", answers=answers, completed_at=now - timedelta(days=days_ago)
        )
    factories.measure_response(
        robin, "gad7", answers=[2, 2, 1, 2, 1, 1, 1], completed_at=now - timedelta(days=44)
    )
    factories.measure_response(
        robin, "gad7", answers=[1, 1, 1, 1, 0, 1, 0], completed_at=now - timedelta(days=3)
    )
    urgent = factories.flag(robin, "phq9_item9", raised_at=now - timedelta(hours=3))

    for day in range(4):
        factories.checkin(sam, recorded_at=now - timedelta(days=4 - day), mood=[6, 6, 5, 2][day])
    warning = factories.flag(sam, "mood_drop", raised_at=now - timedelta(days=1, hours=2))

    values = SimpleNamespace(
        clinic_id=clinic.id,
        secret=factories.STAFF_TOTP_SECRET,
        therapist_id=therapist.id,
        therapist_email=therapist.email,
        admin_email=admin.email,
        robin=robin.id,
        sam=sam.id,
        alex=alex.id,
        urgent_flag=urgent.id,
        warning_flag=warning.id,
        prompt=prompt.id,
    )
    # Hold no transaction (and so no SQLite write lock) while the browser works.
    db.session.remove()
    return values


@pytest.fixture
def lived_in(care_team):
    """A patient with three weeks of check-ins, entries, answers and two dosing sessions."""
    from datetime import timedelta

    from server.db import utcnow
    from server.extensions import db
    from tests import factories

    _, therapist, patient = care_team
    now = utcnow()
    moods = [4, 5, 3, 4, 6, 6, 7, 5, 4, 6, 7, 7, 8, 6, 5, 6, 7, 8, 7, 7]
    for day, mood in enumerate(moods):
        factories.checkin(patient, recorded_at=now - timedelta(days=20 - day, hours=3), mood=mood)
    for days_ago in (14, 4):
        factories.ketamine_session(
            patient,
            created_by=therapist,
            scheduled_at=now - timedelta(days=days_ago),
            status="completed",
        )
    factories.entry(patient, body="After the session the room felt very big and very kind.")
    factories.entry(patient, body="I want to remember the warmth in my hands.", shared=False)
    for days_ago, answers in ((18, [2, 2, 1, 2, 1, 2, 1, 1, 0]), (3, [1, 1, 1, 1, 0, 1, 0, 0, 0])):
        factories.measure_response(
            patient, "phq9", answers=answers, completed_at=now - timedelta(days=days_ago)
        )
    factories.measure_response(patient, "gad7", answers=[1, 1, 2, 1, 0, 1, 1])
    db.session.rollback()  # hold no transaction (and so no SQLite write lock) during the test
    return patient
