"""Small workspace fixes from QA: sign-in after someone else's sign-out starts at home,
a wrong enrolment code reads as one sentence, timeline headings carry their date, and
the mood chart lists dosing sessions only when one is drawn."""

from playwright.sync_api import expect

WORKSPACE = "/therapist/index.html"


def second_therapist(practice):
    """Another therapist of the practice's clinic, with no patients (plain email back)."""
    from server.clinics.models import Clinic
    from server.extensions import db
    from tests import factories

    clinic = db.session.get(Clinic, practice.clinic_id)
    other = factories.user(clinic, "therapist", display_name="Dr Second")
    email = other.email
    db.session.remove()
    return email


def test_after_an_idle_sign_out_the_next_person_starts_at_their_own_caseload(
    desk, live_server, practice, staff_sign_in
):
    other = second_therapist(practice)
    desk.clock.install()
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    desk.get_by_role("link", name="Robin Ash", exact=True).click()
    expect(desk.get_by_role("heading", name="Robin Ash", level=1)).to_be_visible()

    desk.clock.fast_forward("15:00")
    expect(
        desk.get_by_text("You were signed out after 15 minutes without activity")
    ).to_be_visible()
    staff_sign_in(desk, other, practice.secret, open_page=False)
    expect(desk.get_by_role("heading", name="Caseload", level=1)).to_be_visible()
    expect(desk.get_by_text("No patients yet.")).to_be_visible()
    expect(desk.get_by_text("not on your caseload")).to_have_count(0)
    assert desk.evaluate("location.hash") == "#/caseload"


def test_after_signing_out_on_purpose_going_back_does_not_lead_the_next_person_there(
    desk, live_server, practice, staff_sign_in
):
    other = second_therapist(practice)
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    desk.get_by_role("link", name="Robin Ash", exact=True).click()
    expect(desk.get_by_role("heading", name="Robin Ash", level=1)).to_be_visible()
    desk.get_by_role("link", name="Sign out").click()
    expect(desk.get_by_role("heading", name="You're signed out")).to_be_visible()
    # Back to the patient's page: it asks for a sign-in first.
    desk.go_back()
    expect(desk.get_by_role("heading", name="Sign in", level=1)).to_be_visible()

    staff_sign_in(desk, other, practice.secret, open_page=False)
    expect(desk.get_by_role("heading", name="Caseload", level=1)).to_be_visible()
    expect(desk.get_by_text("not on your caseload")).to_have_count(0)
    assert desk.evaluate("location.hash") == "#/caseload"


def test_the_same_person_signing_in_again_returns_to_where_they_were(
    desk, live_server, practice, staff_sign_in
):
    desk.clock.install()
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    desk.get_by_role("link", name="Robin Ash", exact=True).click()
    expect(desk.get_by_role("heading", name="Robin Ash", level=1)).to_be_visible()
    desk.clock.fast_forward("15:00")
    expect(desk.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    staff_sign_in(desk, practice.therapist_email, practice.secret, open_page=False)
    expect(desk.get_by_role("heading", name="Robin Ash", level=1)).to_be_visible()


def test_a_wrong_code_while_setting_up_two_step_sign_in_reads_as_one_clear_sentence(
    desk, live_server, staff_sign_in
):
    from datetime import UTC, datetime

    import pyotp

    from server.extensions import db
    from tests import factories

    clinic = factories.clinic()
    newcomer = factories.user(clinic, "therapist", totp_secret=None, display_name="Dr New")
    email = newcomer.email
    db.session.remove()

    staff_sign_in(desk, email, None)
    expect(desk.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    secret = desk.locator("code.secret").inner_text().replace(" ", "")
    # Six digits that no step near now gives: the server does not take them.
    totp = pyotp.TOTP(secret)
    step = totp.timecode(datetime.now(UTC))
    near = {totp.generate_otp(step + offset) for offset in range(-3, 4)}
    wrong = next(code for code in ("000000", "111111", "222222") if code not in near)
    desk.get_by_label("Code shown by the app").fill(wrong)
    desk.get_by_role("button", name="Confirm").click()
    alert = desk.get_by_role("alert")
    expect(alert).to_have_text(
        "That code is not right. Check your phone's clock is set automatically, "
        "and type the code the app shows now."
    )
    expect(alert).not_to_contain_text("code:")
    # The right code still goes through.
    desk.get_by_label("Code shown by the app").fill(totp.now())
    desk.get_by_role("button", name="Confirm").click()
    expect(desk.get_by_role("heading", name="Keep your recovery codes")).to_be_focused()
