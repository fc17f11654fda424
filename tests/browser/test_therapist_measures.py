"""The per-patient questionnaire screen: the plan, asking for one now, the series and
the item-by-item tables, with axe in light and dark, and as it prints."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import check_accessibility

WORKSPACE = "/therapist/index.html"


def open_plan(desk, live_server, practice):
    desk.goto(f"{live_server}{WORKSPACE}#/patients/{practice.robin}/measures")
    expect(desk.get_by_role("heading", name="Questionnaires: Robin Ash", level=1)).to_be_visible()
    expect(desk.locator(".loading")).to_have_count(0)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_plan_screen_and_the_item_table_pass_axe(
    desk, live_server, practice, staff_sign_in, scheme
):
    desk.emulate_media(color_scheme=scheme)
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    desk.get_by_role("link", name="Robin Ash", exact=True).click()
    desk.get_by_role("link", name="Questionnaires").click()
    expect(desk.get_by_role("heading", name="Questionnaires: Robin Ash", level=1)).to_be_visible()
    table = desk.get_by_role("table", name="PHQ-9: every shared answer, item by item")
    expect(table.locator("tbody tr")).to_have_count(3)
    # 18 -> 9 -> 4: the baseline row, then changed answers marked on the next rows.
    expect(table.locator("tbody tr").first).to_contain_text("baseline of series 1")
    expect(table.locator("tbody tr").nth(1).locator("td.changed")).to_have_count(9)
    expect(table.locator("tbody tr").nth(2).locator("td.changed")).to_have_count(5)
    expect(table.locator("tbody tr").nth(2)).to_contain_text("remission")
    expect(table.locator("tbody tr").nth(2)).to_contain_text("reliable change, improved")
    series = desk.get_by_role("table", name="Treatment series and their baselines")
    expect(series).to_contain_text("PHQ-9 18")
    check_accessibility(desk, f"questionnaires ({scheme})")


def test_switching_pcl5_on_naming_the_event_and_asking_now(
    desk, live_server, practice, staff_sign_in
):
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    open_plan(desk, live_server, practice)
    desk.get_by_label("PCL-5", exact=True).check()
    desk.get_by_label("the stressful experience").fill("the car accident in 2019")
    desk.get_by_role("button", name="Save the plan").click()
    expect(desk.locator("main p[role=status]")).to_have_text("Plan saved.")
    expect(
        desk.get_by_role("table", name="PCL-5: every shared answer, item by item")
    ).to_have_count(0)
    expect(desk.get_by_text("No shared answers yet.")).to_be_visible()
    desk.get_by_role("button", name="Ask for GAD-7 now").click()
    expect(
        desk.get_by_text("GAD-7 is due: your therapist asked for it", exact=False)
    ).to_be_visible()
    expect(desk.get_by_role("button", name="Ask for GAD-7 now")).to_have_count(0)

    # After a reload the plan is what was saved.
    open_plan(desk, live_server, practice)
    expect(desk.get_by_label("PCL-5", exact=True)).to_be_checked()
    expect(desk.get_by_label("the stressful experience")).to_have_value("the car accident in 2019")

    # Printed: the tables, not the forms or buttons.
    desk.emulate_media(media="print")
    expect(desk.get_by_role("button", name="Save the plan")).to_be_hidden()
    expect(desk.get_by_role("button", name="Print")).to_be_hidden()
    expect(
        desk.get_by_role("table", name="PHQ-9: every shared answer, item by item")
    ).to_be_visible()


def test_the_brief_shows_the_previous_score_beside_the_latest(
    desk, live_server, practice, staff_sign_in
):
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    desk.goto(f"{live_server}{WORKSPACE}#/patients/{practice.robin}/brief")
    scores = desk.get_by_role("table", name="Latest questionnaire scores")
    phq9 = scores.get_by_role("row", name=re.compile("^PHQ-9"))
    expect(phq9).to_contain_text("4 of 27, minimal")
    expect(phq9).to_contain_text("previous 9")
    expect(phq9).to_contain_text("remission")
