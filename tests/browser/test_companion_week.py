"""A week around one dosing session, in real Chromium: the checklist, the intention,
the dosing day, the check the morning after (a red answer), the intention coming back,
and the safety plan opening offline from the crisis card.

The server's clock is real, so the dosing session is moved instead: first two days
ahead, then an hour ago, then a day ago. The patient lives in a zone where it is
about noon now, so "an hour ago" is the same local day whatever hour the test runs.
"""

import json
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from server.db import utcnow
from tests.browser.helpers import (
    api_post,
    check_both_schemes,
    fresh_rows,
    indexeddb_contents,
    open_app,
    screenshot,
    sign_in_via_api,
    wait_for_service_worker,
    wait_until,
)
from tests.factories import STAFF_TOTP_SECRET


def _zone_at_noon() -> str:
    offset = 12 - utcnow().hour  # -11 .. +12 hours from UTC
    # Etc/GMT zones count the other way round: Etc/GMT-5 is five hours ahead of UTC.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@pytest.fixture
def week():
    from tests import factories
    from tests.browser.conftest import detached

    clinic = factories.clinic("Harbour KAP")
    therapist = factories.user(clinic, "therapist", display_name="Dr Lane")
    patient = factories.user(
        clinic, "patient", therapist=therapist, display_name="Kit", time_zone=_zone_at_noon()
    )
    dose = factories.ketamine_session(
        patient,
        created_by=therapist,
        scheduled_at=utcnow() + timedelta(days=2),
        route="intranasal",
        setting="home",
    )
    factories.integration_session(patient, therapist, scheduled_at=utcnow() + timedelta(days=6))
    return detached(clinic, therapist, patient, dose)


def _move(dose, to):
    from server.care.models import DosingSession
    from server.extensions import db

    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(
            update(DosingSession).where(DosingSession.id == dose.id).values(scheduled_at=to)
        )


def answer_after_dose(page, *, chest_pain: bool) -> None:
    """Answer every question of the check after a dose, all calm but chest pain if asked."""
    calm = {
        "How long did any feeling of unreality": "Less than an hour",
        "Nausea or sickness": "A little",
        "Headache": "None",
        "How did you sleep last night?": "On and off",
        "How did you get home?": "The session was at home",
        "Any urge to take more ketamine": "No",
    }
    for group, answer in calm.items():
        page.get_by_role("group", name=group).get_by_label(answer, exact=True).click()
    yes_no = (
        "Has any effect of the dose",
        "Is anything frightening from the session still with you?",
        "Pain when passing urine?",
        "Needing to pass urine urgently",
        "Blood in your urine?",
        "Chest pain?",
        "A racing or pounding heart?",
        "A very high blood pressure reading?",
        "Have you taken any ketamine outside your clinic's plan?",
    )
    for group in yes_no:
        answer = "Yes" if chest_pain and group == "Chest pain?" else "No"
        page.get_by_role("group", name=group).get_by_label(answer, exact=True).click()


def test_a_week_with_a_dosing_session(
    page, context, live_server, week, console_errors, desk, staff_sign_in
):
    from server.companion.models import (
        AfterDoseCheck,
        ChecklistTick,
        Intention,
        IntentionReflection,
    )
    from server.flags.models import Flag

    _clinic, therapist, patient, dose = week
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)

    # Two days before: the session ahead, in words, and getting ready.
    ahead = page.get_by_role("region", name="Sessions ahead")
    expect(ahead).to_contain_text("Next dosing session")
    expect(ahead).to_contain_text("At home · Nasal spray")
    # The time as the patient lives it (their zone), not the phone's (UTC here).
    local = dose.scheduled_at.astimezone(ZoneInfo(patient.time_zone))
    expect(ahead).to_contain_text(local.strftime("%-I:%M %p"))
    expect(ahead).to_contain_text("Next integration session")
    expect(page.get_by_role("region", name="A prompt for today")).to_contain_text(
        "Skip this if it is too much today."
    )
    page.get_by_role("link", name="Checklist: 0 of 6 done").click()
    expect(page.get_by_role("heading", name="Getting ready")).to_be_visible()
    page.get_by_label("A person I trust will be with me").check()
    page.get_by_label("Someone will take me home").check()
    expect(page.get_by_role("status").filter(has_text="2 of 6 done")).to_be_visible()
    check_both_schemes(page, "checklist")
    screenshot(page, "checklist")
    # Both ticks reach the server (each is its own request; poll, with a deadline).
    for _ in range(100):
        ticks = {row.item_key for row in fresh_rows(ChecklistTick, ketamine_session_id=dose.id)}
        if ticks == {"support-person", "ride-home"}:
            break
        page.wait_for_timeout(100)
    assert ticks == {"support-person", "ride-home"}

    page.get_by_role("link", name="Set an intention for this session").click()
    page.get_by_label("What would you like to bring to this session?").fill(
        "To meet the tiredness with curiosity"
    )
    check_both_schemes(page, "intention")
    screenshot(page, "intention")
    page.get_by_role("button", name="Save my intention").click()
    expect(page.get_by_text("Saved. It will be shown back to you on the day.")).to_be_visible()
    [intention] = fresh_rows(Intention, patient_id=patient.id)
    assert intention.body == "To meet the tiredness with curiosity"

    # Dosing day, an hour after the session began: rest first, the intention shown back.
    _move(dose, utcnow() - timedelta(hours=1))
    open_app(page, live_server)
    expect(page.get_by_role("heading", name="Today is a dosing day")).to_be_visible()
    expect(page.get_by_role("region", name="A prompt for today")).to_contain_text("No prompt today")
    check_both_schemes(page, "today on a dosing day")
    page.get_by_role("link", name="Open my dosing day").click()
    expect(page.get_by_text("Do not drive, cycle or use machinery until tomorrow.")).to_be_visible()
    expect(page.get_by_role("region", name="Your intention")).to_contain_text(
        "To meet the tiredness with curiosity"
    )
    expect(page.get_by_role("region", name="Who to call")).to_contain_text("+1 555 0199")
    check_both_schemes(page, "dosing day")
    screenshot(page, "dosing-day")

    # The morning after: the check, with a red answer, says what to do at once.
    _move(dose, utcnow() - timedelta(hours=26))
    open_app(page, live_server)
    page.get_by_role("link", name="Answer the check").click()
    expect(page.get_by_role("heading", name="After the dose")).to_be_visible()
    check_both_schemes(page, "after-dose")
    screenshot(page, "after-dose")
    answer_after_dose(page, chest_pain=True)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="What to do now")).to_be_visible()
    expect(page.get_by_role("heading", name="Get help now")).to_be_visible()
    expect(page.get_by_text("Chest pain needs help now.")).to_be_visible()
    check_both_schemes(page, "after-dose advice")
    [check] = fresh_rows(AfterDoseCheck, patient_id=patient.id)
    assert check.red and check.answers["chest_pain"] is True
    [flag] = fresh_rows(Flag, patient_id=patient.id)
    assert (flag.kind, flag.severity) == ("after_dose_red", "urgent")

    # The intention comes back among the day's prompts: "did it show up?"
    open_app(page, live_server)
    prompts = page.get_by_role("region", name="A prompt for today")
    back = prompts.get_by_role("region", name="Your intention")
    expect(back).to_contain_text(
        "You came in wanting “To meet the tiredness with curiosity”: did it show up?"
    )
    # Offered once, in the prompt card, not again as a card of its own.
    expect(page.get_by_role("region", name="Your intention")).to_have_count(1)
    check_both_schemes(page, "today with the intention back")
    # Offline, it still comes back, from the summary kept sealed on the phone.
    wait_for_service_worker(page)
    context.set_offline(True)
    page.reload()
    kept = page.get_by_role("region", name="Your intention")
    expect(kept).to_contain_text("“To meet the tiredness with curiosity”: did it show up?")
    expect(kept).to_have_count(1)
    context.set_offline(False)
    open_app(page, live_server)
    back = page.get_by_role("region", name="A prompt for today").get_by_role(
        "region", name="Your intention"
    )
    back.get_by_role("link", name="Write back").click()
    page.get_by_label("did it show up?").fill("Some of it, as patience with my body.")
    check_both_schemes(page, "write back")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved. Thank you.")).to_be_visible()
    [reflection] = fresh_rows(IntentionReflection, patient_id=patient.id)
    assert reflection.intention_id == intention.id
    # Written back: the prompt card moves on to the day's prompt.
    open_app(page, live_server)
    expect(prompts.get_by_role("link", name="Write about this")).to_be_visible()
    expect(page.get_by_role("region", name="Your intention")).to_have_count(0)
    # The patient's words are not kept in the clear with the prompts on the phone.
    assert "tiredness" not in json.dumps(indexeddb_contents(page), default=str)
    assert console_errors == []

    # The therapist's brief: the intention, what came back, the checklist, the check.
    staff_sign_in(desk, therapist.email, STAFF_TOTP_SECRET)
    desk.goto(f"{live_server}/therapist/index.html#/patients/{patient.id}/brief")
    doses = desk.get_by_role("region", name="Around each dose")
    expect(doses).to_contain_text("Intention: “To meet the tiredness with curiosity”")
    expect(doses).to_contain_text("Some of it, as patience with my body.")
    expect(doses).to_contain_text("4 items not ticked")
    after = desk.get_by_role("region", name="After the last dose")
    row = after.get_by_role("row").filter(has_text="(red)")
    expect(row).to_contain_text("chest pain")
    expect(row).to_contain_text("on and off")
    check_both_schemes(desk, "brief with doses")
    doses.get_by_role("heading", name="Around each dose").scroll_into_view_if_needed()
    screenshot(desk, "therapist-brief-doses")


def test_answers_given_offline_are_not_asked_for_again(page, context, live_server, week):
    from server.companion.models import AfterDoseCheck, IntentionReflection

    _clinic, _therapist, patient, dose = week
    sign_in_via_api(page, live_server, patient)
    intention = api_post(
        page,
        live_server,
        "/intentions",
        {
            "id": str(uuid.uuid4()),
            "ketamine_session_id": str(dose.id),
            "body": "To rest without guilt",
            "written_at": utcnow().isoformat(),
            "shared": True,
        },
    )
    # The morning after the dose: the check is due and the intention comes back.
    _move(dose, utcnow() - timedelta(hours=26))
    open_app(page, live_server)
    expect(page.get_by_role("link", name="Answer the check")).to_be_visible()
    wait_for_service_worker(page)
    context.set_offline(True)
    page.reload()
    back = page.get_by_role("region", name="Your intention")
    expect(back).to_contain_text("“To rest without guilt”: did it show up?")
    back.get_by_role("link", name="Write back").click()
    page.get_by_label("did it show up?").fill("It did, on the second evening.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved on this phone.")).to_be_visible()
    page.get_by_role("link", name="Back to today").click()
    page.get_by_role("link", name="Answer the check").click()
    answer_after_dose(page, chest_pain=False)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Saved on this phone", exact=False).first).to_be_visible()
    # Back on Today, still offline: neither is asked for again while it waits to be sent.
    open_app(page, live_server)
    expect(page.get_by_role("region", name="Sessions ahead")).to_be_visible()
    expect(page.get_by_role("region", name="Your intention")).to_have_count(0)
    expect(page.get_by_role("link", name="Answer the check")).to_have_count(0)
    # Online again, both reach the server once.
    context.set_offline(False)
    wait_until(page, lambda: fresh_rows(IntentionReflection, patient_id=patient.id))
    wait_until(page, lambda: fresh_rows(AfterDoseCheck, patient_id=patient.id))
    [reflection] = fresh_rows(IntentionReflection, patient_id=patient.id)
    assert str(reflection.intention_id) == intention["id"]
    assert len(fresh_rows(AfterDoseCheck, patient_id=patient.id)) == 1


def test_the_safety_plan_opens_offline_from_the_crisis_card(
    page, context, live_server, week, console_errors
):
    from server.safetyplan.services import plan_of

    _clinic, _therapist, patient, _dose = week
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/crisis")
    wait_for_service_worker(page)
    first_line = page.locator("li.resource h2").first.inner_text()
    page.get_by_role("link", name="Open my safety plan").click()
    expect(page.get_by_role("heading", name="My safety plan")).to_be_visible()
    # The crisis list is part of the plan's professionals section.
    professionals = page.get_by_role("region", name="Professionals and crisis lines")
    expect(professionals.get_by_role("heading", name=first_line)).to_be_visible()
    page.get_by_label("My warning signs: one per line").fill("Skipping meals\nNot answering Sam")
    page.get_by_label("People I can ask for help: one per line").fill("Sam, 555 0100")
    page.get_by_label("Making my surroundings safer: one per line").fill(
        "The nasal spray stays in the locked box; Sam keeps the key"
    )
    page.get_by_role("button", name="Save my plan").click()
    expect(page.get_by_text("Saved. It opens from Need help now, even offline.")).to_be_visible()
    check_both_schemes(page, "safety plan")
    screenshot(page, "safety-plan")
    from server.extensions import db

    db.session.remove()
    stored = plan_of(patient.id)
    assert "Skipping meals" in stored.sections_json
    db.session.rollback()

    context.set_offline(True)
    page.goto(f"{live_server}/#/crisis")
    page.get_by_role("link", name="Open my safety plan").click()
    expect(page.get_by_text("You're offline: this is the copy kept on this phone.")).to_be_visible()
    expect(page.get_by_label("My warning signs: one per line")).to_have_value(
        "Skipping meals\nNot answering Sam"
    )
    # Kept sealed: the words are not readable in the phone's storage.
    kept = indexeddb_contents(page)["between/kv"]
    sealed = [row for row in kept if row["key"] == "sealed:safety-plan"]
    assert sealed and "Skipping meals" not in json.dumps(kept, default=str)
    context.set_offline(False)


def test_the_day_before_the_therapist_sees_what_is_not_ticked(
    desk, live_server, week, staff_sign_in, console_errors
):
    from server.companion import checklist
    from server.extensions import db
    from tests.browser.conftest import detached

    _clinic, therapist, patient, dose = week
    _move(dose, utcnow() + timedelta(hours=20))
    db.session.remove()
    session = db.session.get(type(dose), dose.id)
    for key in ("support-person", "ride-home", "fasting"):
        checklist.set_tick(session, key, True)
    db.session.commit()
    detached(session)

    staff_sign_in(desk, therapist.email, STAFF_TOTP_SECRET)
    row = desk.locator("table.caseload tbody tr").filter(has_text="Kit")
    expect(row).to_contain_text("3 items not ready")
    check_both_schemes(desk, "caseload with the checklist")
    desk.goto(f"{live_server}/therapist/index.html#/patients/{patient.id}/schedule")
    note = desk.locator(".checklist-note")
    expect(note).to_contain_text("Not ticked yet: I have checked my other medicines")
    check_both_schemes(desk, "schedule with the checklist")
    assert console_errors == []


def test_the_therapist_reads_a_shared_safety_plan(
    desk, live_server, week, staff_sign_in, console_errors
):
    from server.extensions import db
    from server.safetyplan import services

    _clinic, therapist, patient, _dose = week
    db.session.remove()
    services.save(
        db.session.get(type(patient), patient.id),
        {"sections": {"on_my_own": ["Cold water on my face"]}, "shared": True, "version": 0},
    )
    db.session.commit()
    db.session.remove()
    staff_sign_in(desk, therapist.email, STAFF_TOTP_SECRET)
    desk.goto(f"{live_server}/therapist/index.html#/patients/{patient.id}")
    expect(desk.get_by_role("heading", name="Kit", level=1)).to_be_visible()
    desk.get_by_role("link", name="Safety plan").click()
    expect(desk.get_by_role("heading", name="Safety plan", level=1)).to_be_visible()
    section = desk.get_by_role("region", name="Things they can do on their own")
    expect(section).to_contain_text("Cold water on my face")
    check_both_schemes(desk, "therapist safety plan")
    assert console_errors == []


def test_the_sessions_ahead_show_offline_from_the_phones_sealed_copy(
    page, context, live_server, week
):
    _clinic, _therapist, patient, dose = week
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    wait_for_service_worker(page)
    ahead = page.get_by_role("region", name="Sessions ahead")
    expect(ahead).to_contain_text("At home · Nasal spray")
    # What the phone keeps of them is sealed, never in the clear.
    stored = json.dumps(indexeddb_contents(page), default=str)
    assert "sealed:" in stored and "intranasal" not in stored

    context.set_offline(True)
    page.reload()
    ahead = page.get_by_role("region", name="Sessions ahead")
    expect(ahead).to_contain_text("Next dosing session")
    expect(ahead).to_contain_text("At home · Nasal spray")
    local = dose.scheduled_at.astimezone(ZoneInfo(patient.time_zone))
    expect(ahead).to_contain_text(local.strftime("%-I:%M %p"))
    expect(ahead).to_contain_text("Next integration session")
    context.set_offline(False)


def test_the_sessions_ahead_are_listed_from_the_journal(page, live_server, week, console_errors):
    _clinic, _therapist, patient, dose = week
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/journal")
    page.get_by_role("link", name="Sessions ahead").click()
    expect(page.get_by_role("heading", name="Sessions ahead", level=1)).to_be_visible()
    listed = page.get_by_role("list", name="Sessions ahead").get_by_role("article")
    expect(listed).to_have_count(2)
    dosing = listed.nth(0)
    expect(dosing).to_contain_text("Dosing session")
    expect(dosing).to_contain_text("At home · Nasal spray")
    local = dose.scheduled_at.astimezone(ZoneInfo(patient.time_zone))
    expect(dosing).to_contain_text(local.strftime("%-I:%M %p"))
    expect(listed.nth(1)).to_contain_text("Integration session")
    check_both_schemes(page, "sessions ahead")
    dosing.get_by_role("link", name="Checklist").click()
    expect(page.get_by_role("heading", name="Getting ready")).to_be_visible()
    assert console_errors == []
