"""The therapist's workspace in real Chromium at a laptop viewport: sign in with TOTP,
the caseload, a patient's timeline, the brief (and its printed form), scheduling, flags."""

from playwright.sync_api import expect

WORKSPACE = "/therapist/index.html"


def test_a_therapist_signs_in_with_totp_and_sees_the_caseload(
    desk, live_server, practice, staff_sign_in
):
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    expect(desk.get_by_role("heading", name="Caseload")).to_be_visible()
    rows = desk.locator("table.caseload tbody tr")
    expect(rows).to_have_count(3)
