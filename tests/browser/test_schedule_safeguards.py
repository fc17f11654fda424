"""Scheduling that cannot go wrong, at a laptop (1280x800): a clashing booking is
shown in plain words and booked only when confirmed, the form starts clean after
each booking, and the page reads the patient's summary rather than the caseload."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import check_accessibility, fresh_rows, screenshot

WORKSPACE = "/therapist/index.html"
ROBINS_ZONE = "America/New_York"  # the factories' default


def open_schedule(page, base, patient_id, name):
    page.goto(f"{base}{WORKSPACE}#/patients/{patient_id}/schedule")
    heading = page.get_by_role("heading", name=f"Schedule and prompts: {name}", level=1)
    expect(heading).to_be_visible(timeout=15000)
    expect(page.locator(".loading")).to_have_count(0)


def as_local_input(page, iso):
    """The datetime-local value for `iso` on this browser's clock."""
    return page.evaluate(
        """iso => {
            const d = new Date(iso);
            const pad = (n) => String(n).padStart(2, "0");
            return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
              `T${pad(d.getHours())}:${pad(d.getMinutes())}`;
        }""",
        iso,
    )


def test_the_schedule_reads_the_patients_summary_not_the_caseload_or_brief(
    desk, live_server, practice, staff_sign_in
):
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    asked = []
    desk.on("request", lambda request: asked.append(request.url.split("/api/v1", 1)[-1]))
    open_schedule(desk, live_server, practice.robin, "Robin Ash")
    expect(desk.get_by_role("link", name="Robin Ash")).to_be_visible()
    paths = [url.split("?")[0] for url in asked]
    assert f"/patients/{practice.robin}" in paths
    assert "/patients" not in paths, "the schedule read the whole caseload"
    assert not [path for path in paths if path.endswith("/brief")], "the schedule read the brief"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_clashing_dose_is_named_and_booked_only_when_confirmed(
    desk, live_server, practice, staff_sign_in, scheme
):
    from server.care.models import DosingSession

    desk.emulate_media(color_scheme=scheme, reduced_motion="reduce")
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    open_schedule(desk, live_server, practice.robin, "Robin Ash")
    [upcoming] = [
        row
        for row in fresh_rows(DosingSession, patient_id=practice.robin)
        if row.status == "scheduled"
    ]
    dosing = desk.get_by_role("region", name="Dosing sessions")
    form = dosing.get_by_role("form", name="Book a dosing session")
    fresh_when = form.get_by_label("Date and time").input_value()
    form.get_by_label("Date and time").fill(as_local_input(desk, upcoming.scheduled_at.isoformat()))
    form.get_by_label("Route").select_option("intranasal")
    form.get_by_label("Dose in mg (optional)").fill("84")
    form.get_by_label("Setting").select_option("home")
    form.get_by_role("button", name="Book the dosing session").click()

    question = form.get_by_role("group", name="Robin Ash already has:")
    expect(question).to_be_visible()
    expect(question.get_by_role("listitem")).to_have_text(
        [re.compile(r"^a dosing session on .+ \(with the two hours after the dose\), which over")]
    )
    expect(question.get_by_role("button", name="Book it anyway")).to_be_focused()
    assert len(fresh_rows(DosingSession, patient_id=practice.robin)) == 3, "booked before asking"
    check_accessibility(desk, f"schedule asking to confirm a clash ({scheme})")
    screenshot(desk, "therapist-schedule-clash" + ("" if scheme == "light" else "-dark"))

    question.get_by_role("button", name="Book it anyway").click()
    expect(dosing.get_by_role("status").first).to_contain_text("Booked: dosing session on")
    expect(question).to_have_count(0)
    booked = [
        row
        for row in fresh_rows(DosingSession, patient_id=practice.robin)
        if row.route == "intranasal"
    ]
    assert [(row.dose_mg, row.setting) for row in booked] == [(84, "home")]
    assert booked[0].scheduled_at == upcoming.scheduled_at.replace(second=0, microsecond=0)

    # The form is clean for the next booking.
    expect(form.get_by_label("Date and time")).to_have_value(fresh_when)
    expect(form.get_by_label("Route")).to_have_value("iv")
    expect(form.get_by_label("Dose in mg (optional)")).to_have_value("")
    expect(form.get_by_label("Setting")).to_have_value("clinic")


def test_choosing_to_change_the_booking_books_nothing_and_returns_to_the_time(
    desk, live_server, practice, staff_sign_in
):
    from server.care.models import IntegrationSession

    staff_sign_in(desk, practice.therapist_email, practice.secret)
    open_schedule(desk, live_server, practice.robin, "Robin Ash")
    [upcoming] = [
        row
        for row in fresh_rows(IntegrationSession, patient_id=practice.robin)
        if row.status == "scheduled"
    ]
    integration = desk.get_by_role("region", name="Integration sessions")
    form = integration.get_by_role("form", name="Book an integration session")
    form.get_by_label("Date and time").fill(as_local_input(desk, upcoming.scheduled_at.isoformat()))
    form.get_by_label("Length in minutes").fill("60")
    form.get_by_role("button", name="Book the integration session").click()
    question = form.get_by_role("group", name="Robin Ash already has:")
    expect(question.get_by_role("listitem")).to_have_text(
        [re.compile(r"^an integration session on .+, which overlaps this time$")]
    )
    question.get_by_role("button", name="Change the booking").click()
    expect(question).to_have_count(0)
    expect(form.get_by_label("Date and time")).to_be_focused()
    assert len(fresh_rows(IntegrationSession, patient_id=practice.robin)) == 2

    # A time that overlaps nothing, on the same day on Robin's own clock (the
    # day the clinic counts by), whatever hour the test runs at.
    robins_day = upcoming.scheduled_at.astimezone(ZoneInfo(ROBINS_ZONE))
    apart = robins_day.replace(hour=7 if robins_day.hour > 9 else 18, minute=0)
    form.get_by_label("Date and time").fill(as_local_input(desk, apart.isoformat()))
    form.get_by_role("button", name="Book the integration session").click()
    question = form.get_by_role("group", name="Robin Ash already has:")
    # The same day as the other one: asked again, confirmed.
    question.get_by_role("button", name="Book it anyway").click()
    expect(integration.get_by_role("status").first).to_contain_text("Booked: integration session")
    expect(form.get_by_label("Length in minutes")).to_have_value("50")
    assert len(fresh_rows(IntegrationSession, patient_id=practice.robin)) == 3


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_prompts_before_a_dose_are_listed_with_answered_and_withdrawn(
    desk, live_server, practice, staff_sign_in, scheme
):
    from server.journal.models import PromptAssignment

    desk.emulate_media(color_scheme=scheme, reduced_motion="reduce")
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    open_schedule(desk, live_server, practice.robin, "Robin Ash")
    assigned = desk.get_by_role("region", name="Assigned prompts")
    expect(assigned.get_by_text("No prompts assigned.")).to_be_visible()

    prompts = desk.get_by_role("region", name="Assign prompts")
    when = prompts.get_by_label("When", exact=True)
    when.select_option(index=2)  # the upcoming dosing session
    hours = prompts.get_by_label("Hours", exact=True)
    expect(hours).to_have_attribute("min", "0")
    hours.fill("-6")
    prompts.get_by_label(re.compile("What did you notice in your body after the session")).check()
    prompts.get_by_role("button", name="Assign the chosen prompts").click()
    expect(prompts.get_by_role("alert")).to_contain_text("0 or more")
    assert fresh_rows(PromptAssignment, patient_id=practice.robin) == []

    hours.fill("6")
    prompts.get_by_label("Before or after").select_option("before")
    prompts.get_by_role("button", name="Assign the chosen prompts").click()
    expect(prompts.get_by_role("status")).to_contain_text("Assigned 1 prompt, due ")
    item = assigned.get_by_role("listitem").filter(has_text="What did you notice in your body")
    expect(item).to_contain_text("6 hours before the dosing session")
    # Robin answered this prompt before it was assigned: not an answer to it.
    expect(item).to_contain_text("No shared answer yet")
    check_accessibility(desk, f"schedule with assigned prompts ({scheme})")
    screenshot(desk, "therapist-schedule-assigned" + ("" if scheme == "light" else "-dark"))

    item.get_by_role("button", name=re.compile("^Withdraw “What did you notice")).click()
    expect(assigned.get_by_role("status")).to_contain_text("Withdrawn: “What did you notice")
    expect(assigned.get_by_role("status")).to_be_focused()
    expect(assigned.get_by_text("No prompts assigned.")).to_be_visible()
    assert fresh_rows(PromptAssignment, patient_id=practice.robin) == []


def test_an_integration_session_is_booked_following_the_last_dose(
    desk, live_server, practice, staff_sign_in
):
    from server.care.models import DosingSession, IntegrationSession

    staff_sign_in(desk, practice.therapist_email, practice.secret)
    open_schedule(desk, live_server, practice.robin, "Robin Ash")
    doses = sorted(
        fresh_rows(DosingSession, patient_id=practice.robin), key=lambda row: row.scheduled_at
    )
    last_dose = [row for row in doses if row.status == "completed"][-1]
    integration = desk.get_by_role("region", name="Integration sessions")
    form = integration.get_by_role("form", name="Book an integration session")
    follows = form.get_by_role("group", name="Follows the dosing sessions (optional)")
    # The doses of the last eight weeks, oldest first: 40 and 12 days ago, and the one ahead.
    expect(follows.get_by_role("checkbox")).to_have_count(3)
    follows.get_by_role("checkbox").nth(1).check()
    when = last_dose.scheduled_at + timedelta(days=9)
    form.get_by_label("Date and time").fill(as_local_input(desk, when.isoformat()))
    form.get_by_role("button", name="Book the integration session").click()
    expect(integration.get_by_role("status").first).to_contain_text("Booked: integration session")
    expect(follows.get_by_role("checkbox").nth(1)).not_to_be_checked()
    [booked] = [
        row
        for row in fresh_rows(IntegrationSession, patient_id=practice.robin)
        if row.scheduled_at == when.replace(second=0, microsecond=0)
    ]
    assert linked_doses(booked.id) == [last_dose.id]
    noted = integration.locator("li.session", has_text="Follows the dosing session on")
    expect(noted).to_have_count(1)


def linked_doses(session_id):
    from sqlalchemy import select

    from server.care.models import integration_session_doses as links
    from server.extensions import db

    db.session.remove()
    try:
        return list(
            db.session.scalars(
                select(links.c.ketamine_session_id).where(
                    links.c.integration_session_id == session_id
                )
            )
        )
    finally:
        db.session.rollback()


def test_moving_a_dose_onto_another_days_dose_asks_first(
    desk, live_server, practice, staff_sign_in
):
    from server.care.models import DosingSession

    staff_sign_in(desk, practice.therapist_email, practice.secret)
    open_schedule(desk, live_server, practice.robin, "Robin Ash")
    doses = sorted(
        fresh_rows(DosingSession, patient_id=practice.robin), key=lambda row: row.scheduled_at
    )
    upcoming, earlier = doses[-1], doses[-2]
    dosing = desk.get_by_role("region", name="Dosing sessions")
    row = dosing.locator("li.session").first
    row.get_by_role("button", name=re.compile("^Move the dosing session")).click()
    # Apart from the earlier dose (and its two hours after), on its day on Robin's own
    # clock, whatever hour the test runs at: three hours later could be the next day.
    earlier_day = earlier.scheduled_at.astimezone(ZoneInfo(ROBINS_ZONE))
    onto = earlier_day.replace(hour=7 if earlier_day.hour > 12 else 20, minute=0)
    row.get_by_label("New date and time").fill(as_local_input(desk, onto.isoformat()))
    row.get_by_role("button", name="Save the new time").click()
    question = row.get_by_role("group", name="Robin Ash already has:")
    expect(question.get_by_role("listitem")).to_have_text(
        [re.compile(r"^a dosing session on .+, the same day$")]
    )
    [unmoved] = fresh_rows(DosingSession, id=upcoming.id)
    assert unmoved.scheduled_at == upcoming.scheduled_at and unmoved.version == 1
    question.get_by_role("button", name="Move it anyway").click()
    expect(dosing.get_by_role("status").first).to_contain_text("Moved to")
    [moved] = fresh_rows(DosingSession, id=upcoming.id)
    assert moved.scheduled_at == onto.replace(second=0, microsecond=0) and moved.version == 2
