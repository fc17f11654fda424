"""Staff who open the patient app, or type the workspace's address without its page,
are sent on to the therapist workspace."""

import re

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import detached
from tests.browser.helpers import check_accessibility


def test_a_therapist_signing_in_to_the_patient_app_is_pointed_to_the_workspace(page, live_server):
    clinic = factories.clinic()
    (therapist,) = detached(factories.user(clinic, "therapist", display_name="Dr Lee"))
    page.goto(live_server + "/#/signin")
    page.get_by_label("Email").fill(therapist.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # The patient form asks for no code, so an enrolled therapist is refused here,
    # and the refusal says where staff sign in.
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("not right")
    alert.get_by_role("link", name="sign in to the therapist workspace").click()
    expect(page).to_have_url(re.compile(r"/therapist/index\.html"))
    expect(page.get_by_label("Authentication code")).to_be_visible()


def test_staff_whose_sign_in_succeeds_in_the_patient_app_land_in_the_workspace(page, live_server):
    clinic = factories.clinic()
    (admin,) = detached(factories.user(clinic, "admin", totp_secret=None))
    page.goto(live_server + "/#/signin")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    check_accessibility(page, "patient sign-in with the staff link")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/therapist/index\.html"))
    expect(page.get_by_role("heading", name="This app is for patients")).to_have_count(0)


def test_the_workspace_address_without_its_page_opens_the_workspace(page, live_server):
    for address in ("/therapist", "/therapist/"):
        page.goto(live_server + address)
        expect(page).to_have_url(re.compile(r"/therapist/index\.html"))
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
