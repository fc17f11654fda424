"""A PHQ-9 safety answer (item 9 above 0) flags the care team even on a private
response (server/flags/queries.py ALWAYS_VISIBLE). The patient is told so before
answering and again afterwards, after the crisis resources, never instead of them.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    check_accessibility,
    fresh_rows,
    open_app,
    sign_in_via_api,
    wait_for_service_worker,
)

BEFORE = (
    "If you tell us you've had thoughts that you would be better off dead, or of hurting "
    "yourself, your care team is told you may need support, even if you keep your answers "
    "private. They see only that, not your answers."
)
SHARE_NOTE = (
    "Your therapist reads what you share before your next session. "
    "If you need help now, use Need help now."
)
TOLD = "Your care team has been told you may need support."
WILL_BE_TOLD = "Your care team will be told you may need support when your phone is back online."
ONLY_THIS = "They are told only this, not your answers."
LABELS = ["Not at all", "Several days", "More than half the days", "Nearly every day"]
CRISIS = "You don't have to carry this alone"


@pytest.fixture
def patient(care_team):
    return care_team[2]


def answer_all(page, answers):
    for number, value in enumerate(answers, start=1):
        expect(page.get_by_text(f"Question {number} of 9")).to_be_visible()
        page.get_by_role("radio", name=LABELS[value], exact=True).click()
    # The unscored difficulty item comes last and may be skipped.
    expect(page.get_by_text("One more question (optional)")).to_be_visible()
    page.get_by_role("button", name="Skip").click()
    expect(page.get_by_role("heading", name="Ready to send")).to_be_visible()


def crisis_card_comes_first(page, told: str):
    """The crisis resources show, with the call button before the care-team sentence."""
    crisis = page.get_by_role("region", name=CRISIS)
    expect(crisis).to_be_visible()
    expect(crisis.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(crisis.get_by_text(told)).to_be_visible()
    expect(page.get_by_role("heading", name=CRISIS)).to_be_focused()
    text = crisis.inner_text()
    assert text.index("988") < text.index(told)
    return crisis


def test_the_patient_is_told_before_answering(page, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/measures/phq9")
    expect(page.get_by_text("Question 1 of 9")).to_be_visible()
    expect(page.get_by_text(BEFORE)).to_be_visible()
    answer_all(page, [1] * 8 + [0])
    # Where the sharing choice is made, the same sentence describes the switch.
    expect(page.get_by_label("Share with my therapist")).to_have_accessible_description(
        f"{BEFORE} {SHARE_NOTE}"
    )
    expect(page.get_by_text(BEFORE)).to_be_visible()

    # No safety answer: no crisis card, and nothing said of the care team being told.
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Your score: 8 of 27")).to_be_visible()
    expect(page.get_by_role("region", name=CRISIS)).to_have_count(0)
    expect(page.get_by_text("may need support")).to_have_count(0)

    # The questionnaires without a safety question say nothing of it.
    open_app(page, live_server, "/measures/gad7")
    expect(page.get_by_text("Question 1 of 7")).to_be_visible()
    expect(page.get_by_text(BEFORE)).to_have_count(0)


def test_a_private_safety_answer_sent_says_the_care_team_was_told_only_that(
    page, live_server, patient, console_errors
):
    from server.flags.models import Flag
    from server.measures.models import MeasureResponse

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/measures/phq9")
    answer_all(page, [1, 0, 0, 0, 0, 0, 0, 0, 1])
    page.get_by_label("Share with my therapist").set_checked(False)
    page.get_by_role("button", name="Send my answers").click()

    crisis = crisis_card_comes_first(page, TOLD)
    expect(crisis.get_by_text(ONLY_THIS, exact=False)).to_be_visible()
    expect(page.get_by_text(WILL_BE_TOLD)).to_have_count(0)
    expect(page.get_by_text("Your score: 2 of 27")).to_be_visible()
    check_accessibility(page, "PHQ-9 private safety answer, sent")

    # What the screen says is what happened: private, and flagged all the same.
    [row] = fresh_rows(MeasureResponse, patient_id=patient.id)
    assert row.shared is False
    [flag] = fresh_rows(Flag, patient_id=patient.id, kind="phq9_item9")
    assert flag.source_id == row.id
    assert console_errors == []


def test_a_shared_safety_answer_sent_says_the_care_team_was_told(page, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/measures/phq9")
    answer_all(page, [1, 2, 1, 0, 1, 2, 0, 1, 1])
    expect(page.get_by_label("Share with my therapist")).to_be_checked()
    page.get_by_role("button", name="Send my answers").click()

    crisis_card_comes_first(page, TOLD)
    expect(page.get_by_text("Your score: 9 of 27")).to_be_visible()
    # Shared answers are seen in full; "only this" would not be true.
    expect(page.get_by_text(ONLY_THIS, exact=False)).to_have_count(0)


def test_a_private_safety_answer_sent_offline_says_the_care_team_will_be_told(
    page, context, live_server, patient
):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/measures/phq9")
    wait_for_service_worker(page)
    answer_all(page, [0, 0, 0, 0, 0, 0, 0, 0, 2])
    page.get_by_label("Share with my therapist").set_checked(False)

    context.set_offline(True)
    page.get_by_role("button", name="Send my answers").click()

    crisis = crisis_card_comes_first(page, WILL_BE_TOLD)
    expect(crisis.get_by_text(ONLY_THIS, exact=False)).to_be_visible()
    expect(page.get_by_text(TOLD)).to_have_count(0)
    expect(page.get_by_text("will be sent when you're back online")).to_be_visible()
    check_accessibility(page, "PHQ-9 private safety answer, waiting")


def test_the_sharing_screen_names_the_one_exception_to_privacy(page, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/sharing")
    expect(page.get_by_role("heading", name="Sharing", level=1)).to_be_visible()
    expect(page.get_by_text("not even as a count")).to_be_visible()
    expect(page.get_by_text("One exception, for your safety")).to_contain_text(
        "your care team is told you may need support, even when it is private"
    )
