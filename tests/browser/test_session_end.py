"""After the server ends the session, the app greets nobody (issue 15.12).

The name is in the device's copy of "me" so the app opens offline; it is
shown only while the server vouches for the session. Once the server says the
session has ended (a 401), the app drops its device key and shows the
sign-in screen.
"""

from playwright.sync_api import expect
from sqlalchemy import update

from server.auth.models import LoginSession
from server.db import utcnow
from server.extensions import db
from tests.browser.helpers import open_app, sign_in_via_api, wait_until


def end_sessions_on_the_server(user):
    db.session.execute(
        update(LoginSession).where(LoginSession.user_id == user.id).values(revoked_at=utcnow())
    )
    db.session.commit()


def test_no_greeting_by_name_once_the_session_has_ended(page, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    name = f"Hello, {patient.display_name}."
    expect(page.get_by_text(name)).to_be_visible()

    end_sessions_on_the_server(patient)
    page.reload()
    # Signed out: what waits stays sealed on the phone; nobody is greeted.
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Your session has ended.")).to_be_visible()
    expect(page.get_by_text("Hello")).to_have_count(0)


KEPT_KEY = "import('/js/db.js').then(({getValue}) => getValue('device-key')).then(v => !!v?.key)"


def test_the_greeting_on_screen_loses_the_name_when_a_401_arrives(page, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    name = f"Hello, {patient.display_name}."
    expect(page.get_by_text(name)).to_be_visible()
    # The device key is fetched once the app knows who is signed in.
    assert wait_until(page, lambda: page.evaluate(KEPT_KEY))
    end_sessions_on_the_server(patient)
    # Any API call of the app that meets the ended session (here: going online again).
    page.evaluate("import('/js/api.js').then(({api}) => api('/me/settings').catch(() => null))")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Hello")).to_have_count(0)
    expect(page.locator("#nav")).to_be_hidden()
    assert not page.evaluate(KEPT_KEY)  # the device key went with the session
