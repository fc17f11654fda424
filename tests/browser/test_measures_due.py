"""The patient's check-ups say why each questionnaire is due, in the server's words."""

from playwright.sync_api import expect

from tests.browser.helpers import check_accessibility, open_app, sign_in_via_api


def test_the_check_ups_say_why_each_is_due(page, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/measures")
    why = "Due: before the first dosing session of your treatment series"
    expect(page.get_by_text(why)).to_have_count(2)  # PHQ-9 and GAD-7, nothing booked yet
    check_accessibility(page, "check-ups with reasons")
