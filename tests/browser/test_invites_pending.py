"""Pending invitations in the workspace: listed, re-issued with a new link, revoked."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import check_accessibility


def test_an_admin_reissues_and_revokes_a_pending_invitation(desk, practice, staff_sign_in):
    staff_sign_in(desk, practice.admin_email, practice.secret)
    desk.get_by_role("navigation", name="Workspace").get_by_role("link", name="Invites").click()
    desk.get_by_label("Therapist's email").fill("pending.therapist@example.test")
    desk.get_by_role("button", name="Create the invitation").click()
    link_box = desk.get_by_role("textbox", name="Invitation link")
    expect(link_box).to_have_value(re.compile(r"#/invite/"))
    first = link_box.input_value()

    pending = desk.get_by_role("table", name="Pending invitations")
    expect(
        pending.get_by_role("cell", name="pending.therapist@example.test", exact=True)
    ).to_be_visible()
    expect(desk.get_by_text("Nothing is emailed: the link or QR code is handed")).to_be_visible()
    check_accessibility(desk, "pending invitations (light)")
    # Dark from the first paint, as the accessibility suite does (no colours mid-transition).
    desk.emulate_media(color_scheme="dark")
    desk.reload()
    expect(
        pending.get_by_role("cell", name="pending.therapist@example.test", exact=True)
    ).to_be_visible()
    check_accessibility(desk, "pending invitations (dark)")
    desk.emulate_media(color_scheme="light")

    desk.get_by_role("button", name="New link for pending.therapist@example.test").click()
    expect(link_box).not_to_have_value(first)
    expect(link_box).to_have_value(re.compile(r"#/invite/"))
    assert (
        desk.request.get(
            first.replace("#/invite/", "api/v1/invites/").replace("therapist/index.html", "")
        ).status
        == 404
    )

    desk.get_by_role(
        "button", name="Revoke the invitation for pending.therapist@example.test"
    ).click()
    expect(desk.get_by_text("No invitation is waiting to be accepted.")).to_be_visible()
