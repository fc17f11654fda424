"""Settings people expect: my name, my password, more than one reminder a day, and
turning reminders on never hangs where the browser has no push service."""

import re
import socket
import threading

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.browser.helpers import (
    check_accessibility,
    fresh_rows,
    open_app,
    screenshot,
    sign_in_via_api,
    wait_for_service_worker,
)


def test_i_change_my_name_and_the_app_greets_me_by_it(page, live_server, care_team):
    patient = care_team[2]
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/settings")
    page.get_by_label("My name").fill("Robin A.")
    page.get_by_role("button", name="Save my name").click()
    expect(page.get_by_role("region", name="About me").get_by_role("status")).to_have_text("Saved.")
    [user] = fresh_rows(type(patient), id=patient.id)
    assert user.display_name == "Robin A."
    open_app(page, live_server, "/today")
    expect(page.get_by_text("Hello, Robin A.")).to_be_visible()


def test_i_change_my_password_with_the_current_one(page, live_server, care_team):
    patient = care_team[2]
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/settings")
    box = page.get_by_role("region", name="Password")
    box.get_by_label("Current password").fill("not my password at all")
    box.get_by_label("New password").fill("lantern orchard pebble season")
    box.get_by_role("button", name="Change my password").click()
    expect(box.get_by_role("status")).to_contain_text(
        "The current password is not right.", timeout=20000
    )
    box.get_by_label("Current password").fill(factories.PASSWORD)
    box.get_by_role("button", name="Change my password").click()
    # Checking and hashing a password is slow on purpose (Argon2id).
    expect(box.get_by_role("status")).to_contain_text("Your password is changed.", timeout=20000)
    check_accessibility(page, "settings with name and password")
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)  # the colour transitions settle
    check_accessibility(page, "settings with name and password, dark")
    page.emulate_media(color_scheme="light")
    screenshot(page, "17-settings-account")
    from server.auth.passwords import verify_password

    [user] = fresh_rows(type(patient), id=patient.id)
    assert verify_password(user.password_hash, "lantern orchard pebble season")


def test_a_second_daily_reminder_is_saved(page, live_server, care_team):
    patient = care_team[2]
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/settings")
    page.get_by_label("Another reminder").fill("09:15")
    page.get_by_role("button", name="Save settings").click()
    expect(
        page.get_by_role("region", name="Reminders and time").get_by_role("status")
    ).to_have_text("Saved.")
    [user] = fresh_rows(type(patient), id=patient.id)
    assert [at.strftime("%H:%M") for at in user.more_checkin_times] == ["09:15"]


def test_install_says_how_where_the_browser_makes_no_offer(page, live_server, care_team):
    patient = care_team[2]
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/settings")
    box = page.get_by_role("region", name="Install Between")
    expect(box).to_contain_text("Install app")
    expect(box.get_by_role("button", name="Install Between on this phone")).to_be_hidden()


def phone_at_settings(browser, live_server, patient, tmp_path, *flags, clock=False):
    """A Chromium of its own (a profile, `flags`) at 390 by 844, signed in, on Settings
    under the service worker: (context, page). The caller closes the context.
    `clock=True` installs Playwright's clock before the page loads."""
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=[*CHROMIUM_FLAGS, *flags],
        viewport={"width": 390, "height": 844},
    )
    if clock:
        context.clock.install()
    page = context.pages[0] if context.pages else context.new_page()
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/settings")
    wait_for_service_worker(page)
    return context, page


def test_install_is_a_button_where_the_browser_offers_it(browser, live_server, care_team, tmp_path):
    patient = care_team[2]
    # Chromium offers installation (beforeinstallprompt) once the app meets its
    # criteria; this flag skips only the wait for the user's engagement.
    context, page = phone_at_settings(
        browser, live_server, patient, tmp_path, "--bypass-app-banner-engagement-checks"
    )
    try:
        page.reload()  # now under the service worker, which installability asks for
        box = page.get_by_role("region", name="Install Between")
        button = box.get_by_role("button", name="Install Between on this phone")
        expect(button).to_be_visible(timeout=15000)
        button.click()
        # The browser's own dialog answers (headless Chromium dismisses it): never a hang.
        expect(box.get_by_role("status")).to_have_text(
            re.compile(r"^(Between is installed\.|Not installed\.)"), timeout=15000
        )
    finally:
        context.close()


IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def test_on_an_iphone_settings_say_how_to_add_to_the_home_screen(browser, live_server, care_team):
    patient = care_team[2]
    context = browser.new_context(viewport={"width": 390, "height": 844}, user_agent=IPHONE)
    try:
        page = context.new_page()
        sign_in_via_api(page, live_server, patient)
        open_app(page, live_server, "/settings")
        install = page.get_by_role("region", name="Install Between")
        expect(install).to_contain_text("tap Share in Safari, then “Add to Home Screen”")
        expect(install.get_by_role("button", name="Install Between on this phone")).to_be_hidden()
        # Reminders on iOS need the Home Screen app: the steps show beside the switch.
        notifications = page.get_by_role("region", name="Notifications")
        steps = notifications.get_by_role("listitem")
        expect(steps).to_have_text(
            [
                "Tap the Share button in Safari.",
                "Choose “Add to Home Screen”.",
                "Open Between from the Home Screen and come back here.",
            ]
        )
        check_accessibility(page, "settings on an iPhone")
    finally:
        context.close()


class SilentService:
    """A loopback listener that accepts connections and never answers: a push
    service (Chromium's GCM registration) that is out of reach."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.held = []
        self.thread = threading.Thread(target=self._hold, daemon=True)
        self.thread.start()

    def _hold(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.held.append(connection)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def close(self):
        self.socket.close()
        for connection in self.held:
            connection.close()


def test_turning_reminders_on_never_hangs_without_a_push_service(
    browser, live_server, care_team, tmp_path
):
    patient = care_team[2]
    silent = SilentService()
    context, page = phone_at_settings(
        browser,
        live_server,
        patient,
        tmp_path,
        f"--gcm-checkin-url={silent.base}/checkin",
        f"--gcm-registration-url={silent.base}/register",
        "--gcm-mcs-endpoint=https://127.0.0.1:9",
        clock=True,
    )
    try:
        context.grant_permissions(["notifications"], origin=live_server)
        page.get_by_role("button", name="Turn on reminders on this phone").click()
        status = page.get_by_role("region", name="Notifications").get_by_role("status")
        expect(status).to_have_text("Asking…")
        # Chromium reaches for its push service only once the app has asked to
        # subscribe (and so started its deadline); then the deadline passes on the
        # page's clock instead of in real time.
        for _ in range(200):
            if silent.held:
                break
            page.wait_for_timeout(50)
        assert silent.held, "Chromium never tried its push service: the test proved nothing"
        page.clock.fast_forward("00:11")
        expect(status).to_contain_text("could not reach its notification service")
    finally:
        context.close()
        silent.close()
