"""Small workspace fixes from QA: sign-in after someone else's sign-out starts at home,
a wrong enrolment code reads as one sentence, timeline headings carry their date, and
the mood chart lists dosing sessions only when one is drawn."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import confirm_enrolment, sign_in_a_newcomer

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

    sign_in_a_newcomer(desk, staff_sign_in)
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
    confirm_enrolment(desk, secret)


def test_each_timeline_heading_names_its_item_with_its_date(
    desk, live_server, practice, staff_sign_in
):
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    desk.goto(f"{live_server}{WORKSPACE}#/patients/{practice.robin}")
    expect(desk.get_by_role("heading", name="Robin Ash", level=1)).to_be_visible()
    timeline = desk.get_by_role("region", name=re.compile("^Shared since"))
    articles = timeline.locator("article.item")
    expect(articles.first).to_be_visible()
    expect(desk.locator(".loading")).to_have_count(0)
    count = articles.count()
    assert count >= 5
    kinds = {"Check-in", "Journal entry", "Dosing session", "Integration session"}
    kinds |= {"PHQ-9", "GAD-7", "PCL-5"}  # a questionnaire is headed by its name
    names = set()
    for index in range(count):
        article = articles.nth(index)
        shown = article.locator("header time").inner_text()
        assert re.search(r"\d", shown)
        heading = article.get_by_role("heading", level=3)
        kind = next(k for k in kinds if heading.inner_text().startswith(k))
        # The heading's name says the kind and the same date and time the eye sees.
        # (Chromium puts a space before the hidden part; speech is the same.)
        expect(heading).to_have_accessible_name(
            re.compile(rf"^{re.escape(kind)} ?, {re.escape(shown)}$")
        )
        names.add(f"{kind}, {shown}")
    # Items of one kind no longer share one heading.
    assert len(names) > len({name.split(",")[0] for name in names})
    assert any(name.startswith(("PHQ-9, ", "GAD-7, ", "PCL-5, ")) for name in names)
    # "Mark read" is described by its item's heading, date included, once.
    button = timeline.get_by_role("button", name="Mark read").first
    expect(button).to_have_accessible_description(re.compile(r"^\w[\w -]+, .*\d"))


def test_a_chart_legend_lists_dosing_sessions_only_when_one_is_drawn(
    desk, live_server, practice, staff_sign_in
):
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    # The brief covers the days since the last integration session (six days ago);
    # Robin's dosing sessions were 12 and 40 days ago, the next is in five days.
    desk.goto(f"{live_server}{WORKSPACE}#/patients/{practice.robin}/brief")
    expect(desk.get_by_role("heading", name="Session brief: Robin Ash", level=1)).to_be_visible()
    mood = desk.locator("figure.chart-figure").first
    expect(mood.locator(".legend li").first).to_have_text(re.compile("Daily average mood"))
    expect(mood.locator(".trend line.dose")).to_have_count(0)
    expect(mood.locator(".legend")).not_to_contain_text("Dosing session")

    # Over the whole treatment both past dosing sessions are drawn, and listed.
    desk.goto(f"{live_server}{WORKSPACE}#/patients/{practice.robin}")
    expect(desk.get_by_role("heading", name="Robin Ash", level=1)).to_be_visible()
    mood = desk.locator("figure.chart-figure").first
    expect(mood.locator(".trend line.dose")).to_have_count(2)
    expect(mood.locator(".legend")).to_contain_text("Dosing session")
