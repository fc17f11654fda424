"""My account in the therapist workspace: change the password, and replace two-step
sign-in (a new phone) with the password and a code, then enrol the new phone."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import confirm_enrolment

NEW_PASSWORD = "river stones and quiet mornings"


def forget_last_code(email):
    """Let the account take a code from a step it already used (as `staff_sign_in` does):
    the test signs in and confirms codes within one 30-second step."""
    from sqlalchemy import update

    from server.auth.models import User
    from server.extensions import db

    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(update(User).where(User.email == email).values(totp_last_step=None))


def login_status(browser, base, email, password, secret):
    """The status of a fresh API sign-in, in a cookie jar of its own (the page's session stays)."""
    forget_last_code(email)
    other = browser.new_context()
    try:
        response = other.request.post(
            f"{base}/api/v1/auth/login",
            data={"email": email, "password": password, "totp": pyotp.TOTP(secret).now()},
            headers={"Origin": base},
        )
        return response.status
    finally:
        other.close()


def open_account(page):
    page.get_by_role("link", name="My account").click()
    expect(page.get_by_role("heading", name="My account", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"#/account$"))


#: Whose account, and the screen their workspace opens on (named as in its navigation).
STAFF = {"therapist": "Caseload", "admin": "Audit log"}


@pytest.mark.parametrize("role", STAFF)
def test_staff_change_their_password(role, desk, live_server, practice, staff_sign_in, browser):
    email = getattr(practice, f"{role}_email")
    home = STAFF[role]
    staff_sign_in(desk, email, practice.secret)
    expect(desk.get_by_role("heading", name=home, level=1)).to_be_visible()
    open_account(desk)
    form = desk.get_by_role("form", name="Change your password")

    # A wrong current password is refused, in words that name the field.
    form.get_by_label("Current password").fill("not my password at all")
    form.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("Confirm the new password").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Change password").click()
    expect(form.get_by_text("Current password: The current password is not right.")).to_be_visible()
    expect(form.get_by_label("Current password")).to_be_focused()
    expect(form.get_by_label("Current password")).to_have_attribute("aria-invalid", "true")

    # The server's own rule for the new one, with the field named.
    form.get_by_label("Current password").fill(factories.PASSWORD)
    form.get_by_label("New password", exact=True).fill("aaaaaaaaaaaaaaaa")
    form.get_by_label("Confirm the new password").fill("aaaaaaaaaaaaaaaa")
    form.get_by_role("button", name="Change password").click()
    expect(
        form.get_by_text(re.compile(r"^New password: This password is too common"))
    ).to_be_visible()
    expect(form.get_by_label("New password", exact=True)).to_be_focused()

    form.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("Confirm the new password").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Change password").click()
    done = form.get_by_text("Your password is changed.")
    expect(done).to_be_visible()
    expect(desk.locator(".form-message").first).to_be_focused()
    expect(form.get_by_label("Current password")).to_have_value("")

    # The session goes on (its new CSRF token works): home still opens with its data.
    desk.get_by_role("link", name=home).click()
    expect(desk.get_by_role("heading", name=home, level=1)).to_be_visible()
    rows = desk.locator("table tbody tr")
    if role == "therapist":
        expect(rows).to_have_count(3)
    else:  # the admin's log shows the change just made
        expect(rows.locator("td[data-action=password_changed]")).to_have_count(1)

    # The new password signs in, the old one no longer does.
    assert login_status(browser, live_server, email, factories.PASSWORD, practice.secret) == 401
    assert login_status(browser, live_server, email, NEW_PASSWORD, practice.secret) == 200


def test_a_therapist_replaces_two_step_sign_in(desk, live_server, practice, staff_sign_in, browser):
    email = practice.therapist_email
    old = practice.secret
    staff_sign_in(desk, email, old)
    expect(desk.get_by_role("heading", name="Caseload")).to_be_visible()
    open_account(desk)
    form = desk.get_by_role("form", name="Replace two-step sign-in")

    # A wrong code is refused; nothing changes.
    form.get_by_label("Password").fill(factories.PASSWORD)
    form.get_by_label("Code from your current app, or a recovery code").fill("000000")
    form.get_by_role("button", name="Replace two-step sign-in").click()
    expect(
        form.get_by_text(
            "Code from your current app, or a recovery code: Not a current or unused code."
        )
    ).to_be_visible()
    expect(form.get_by_label("Code from your current app, or a recovery code")).to_be_focused()

    # The sign-in above used this step's code: let the account take it once more.
    forget_last_code(email)
    form.get_by_label("Code from your current app, or a recovery code").fill(pyotp.TOTP(old).now())
    form.get_by_role("button", name="Replace two-step sign-in").click()

    # The enrolment screen follows, with a new key.
    expect(desk.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    secret = desk.locator("code.secret")
    expect(secret).to_be_visible()
    new = secret.inner_text().replace(" ", "")
    assert new != old
    confirm_enrolment(desk, new)
    expect(desk.locator("ul.recovery-codes li")).to_have_count(10)
    desk.get_by_role("button", name="I've kept them: continue").click()
    expect(desk.get_by_role("heading", name="Caseload")).to_be_visible()

    # The old phone's codes no longer sign in; the new phone's do.
    assert login_status(browser, live_server, email, factories.PASSWORD, old) == 401
    assert login_status(browser, live_server, email, factories.PASSWORD, new) == 200


def test_enrolment_opened_when_already_set_up_points_to_my_account(
    desk, live_server, practice, staff_sign_in
):
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    expect(desk.get_by_role("heading", name="Caseload")).to_be_visible()
    desk.goto(f"{live_server}/therapist/index.html#/enrol")
    expect(desk.get_by_text("To move it to a new phone, use My account.")).to_be_visible()
    desk.get_by_role("link", name="My account").last.click()
    expect(desk.get_by_role("heading", name="My account", level=1)).to_be_visible()
