"""The admin's screens: staff, clinic settings, outcomes, and the audit log in words.

Each at 1280x800, with axe in light and dark; a therapist has none of them.
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import check_accessibility, fresh_rows, screenshot

WORKSPACE = "/therapist/index.html"


def both_schemes(page, name):
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
        page.wait_for_timeout(300)
        check_accessibility(page, f"{name} ({scheme})")
    page.emulate_media(color_scheme="light")


def open_screen(desk, practice, staff_sign_in, link, heading):
    staff_sign_in(desk, practice.admin_email, practice.secret)
    expect(desk.get_by_role("heading", name="Audit log", level=1)).to_be_visible(timeout=15000)
    desk.get_by_role("navigation", name="Workspace").get_by_role("link", name=link).click()
    expect(desk.get_by_role("heading", name=heading, level=1)).to_be_visible()
    expect(desk.locator(".loading")).to_have_count(0)


def live_sessions(user_id) -> int:
    from server.auth.models import LoginSession

    return sum(row.revoked_at is None for row in fresh_rows(LoginSession, user_id=user_id))


def test_the_admin_signs_a_therapist_out_and_resets_their_two_step_sign_in(
    desk, live_server, practice, staff_sign_in
):
    from server.audit.models import AuditEvent
    from server.auth.models import User

    # The therapist is signed in on another laptop: a session the admin will end.
    elsewhere = desk.context.browser.new_context(viewport={"width": 1280, "height": 800})
    other = elsewhere.new_page()
    staff_sign_in(other, practice.therapist_email, practice.secret)
    expect(other.get_by_role("heading", name="Caseload", level=1)).to_be_visible(timeout=15000)
    assert live_sessions(practice.therapist_id) == 1

    open_screen(desk, practice, staff_sign_in, "Staff", "Staff")
    rows = desk.locator("table.staff tbody tr")
    lee = rows.filter(has=desk.get_by_role("rowheader", name=re.compile("^Dr Morgan Lee")))
    expect(lee.locator("td").nth(0)).to_have_text("Therapist")
    expect(lee.locator("td").nth(1)).to_have_text("On")
    expect(lee.locator("td time")).to_be_visible()
    mine = rows.filter(has=desk.get_by_role("rowheader", name=re.compile("^Jo Admin")))
    expect(mine).to_contain_text("(you)")
    expect(mine.get_by_role("button")).to_have_count(0)
    both_schemes(desk, "staff")
    screenshot(desk, "therapist-staff")

    # Asked first; "No" changes nothing.
    lee.get_by_role("button", name=re.compile("^Sign out everywhere.*Dr Morgan Lee$")).click()
    question = lee.get_by_role("group")
    expect(question).to_contain_text("Sign Dr Morgan Lee out on every device?")
    check_accessibility(desk, "staff, asking")
    question.get_by_role("button", name="No, leave it").click()
    expect(lee.get_by_role("group")).to_have_count(0)
    assert live_sessions(practice.therapist_id) == 1

    lee.get_by_role("button", name=re.compile("^Sign out everywhere.*Dr Morgan Lee$")).click()
    lee.get_by_role("button", name="Yes, sign them out").click()
    expect(
        desk.get_by_role("status").filter(has_text="Dr Morgan Lee is signed out on every device.")
    ).to_be_visible()
    assert live_sessions(practice.therapist_id) == 0
    # Their laptop finds out at its next request.
    other.reload()
    expect(other.get_by_label("Email")).to_be_visible(timeout=15000)
    elsewhere.close()
    assert fresh_rows(AuditEvent, action="sessions_revoked", object_id=practice.therapist_id)

    lee.get_by_role("button", name=re.compile("^Reset two-step sign-in.*Dr Morgan Lee$")).click()
    expect(lee.get_by_role("group")).to_contain_text(
        "Their authenticator and recovery codes stop working"
    )
    lee.get_by_role("button", name="Yes, reset it").click()
    expect(
        desk.get_by_role("status").filter(has_text="Dr Morgan Lee's two-step sign-in is reset")
    ).to_be_visible()
    expect(lee.locator("td").nth(1)).to_have_text("Not set up")
    expect(lee.get_by_role("button", name=re.compile("Reset"))).to_have_count(0)
    [therapist] = fresh_rows(User, id=practice.therapist_id)
    assert therapist.totp_secret_ciphertext is None
    assert fresh_rows(AuditEvent, action="totp_reset", object_id=practice.therapist_id)


def test_a_therapist_has_no_admin_screens(desk, live_server, practice, staff_sign_in):
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    expect(desk.get_by_role("heading", name="Caseload", level=1)).to_be_visible(timeout=15000)
    nav = desk.get_by_role("navigation", name="Workspace")
    for name in ("Staff", "Clinic settings", "Outcomes", "Audit log"):
        expect(nav.get_by_role("link", name=name)).to_be_hidden()
    for path in ("/staff", "/clinic", "/outcomes"):
        desk.goto(f"{live_server}{WORKSPACE}#{path}")
        expect(desk.get_by_role("heading", name="Caseload", level=1)).to_be_visible()


def test_the_admin_changes_the_clinic_and_errors_show_beside_their_fields(
    desk, live_server, practice, staff_sign_in
):
    from server.clinics.models import Clinic
    from server.flags.models import FlagSettings
    from server.push.models import ClinicPushSchedule

    open_screen(desk, practice, staff_sign_in, "Clinic settings", "Clinic settings")
    clinic_form = desk.get_by_role("form", name="The clinic")
    name = clinic_form.get_by_label("Name")
    expect(name).to_have_value("Riverside KAP")
    both_schemes(desk, "clinic settings")
    screenshot(desk, "therapist-clinic-settings")

    # Refused: each error under its own field, the first field focused; nothing written.
    name.fill("   ")
    clinic_form.get_by_label("Phone").fill("call the desk")
    clinic_form.get_by_role("button", name="Save the clinic").click()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_be_focused()
    expect(name).to_have_accessible_description(re.compile("As patients and staff see it. .+"))
    expect(clinic_form.get_by_label("Phone")).to_have_accessible_description(
        re.compile("Digits, spaces and \\+ only.")
    )
    expect(clinic_form.get_by_role("alert")).to_contain_text("2 fields need a change")
    check_accessibility(desk, "clinic settings, refused")
    assert fresh_rows(Clinic, id=practice.clinic_id)[0].name == "Riverside KAP"

    name.fill("Riverside Integration Clinic")
    clinic_form.get_by_label("Country").select_option(label="Ireland")
    clinic_form.get_by_label("Phone").fill("+353 1 555 0100")
    clinic_form.get_by_label("Opening hours").fill("Mon-Fri 9:00-17:00")
    clinic_form.get_by_role("button", name="Save the clinic").click()
    expect(clinic_form.get_by_text("Saved: Riverside Integration Clinic, Ireland.")).to_be_visible()
    expect(name).not_to_have_attribute("aria-invalid", "true")
    expect(clinic_form.locator(".field-error")).to_have_count(0)
    [clinic] = fresh_rows(Clinic, id=practice.clinic_id)
    assert (clinic.name, clinic.country, clinic.phone, clinic.phone_hours) == (
        "Riverside Integration Clinic",
        "IE",
        "+353 1 555 0100",
        "Mon-Fri 9:00-17:00",
    )

    # Prompt times: one more, the day before at 18:30.
    prompts = desk.get_by_role("form", name="Prompt times around each dosing session")
    before = prompts.locator("fieldset.prompt-slot").count()
    prompts.get_by_role("button", name="Add a prompt").click()
    added = prompts.get_by_role("group", name=f"Prompt {before + 1}")
    added.get_by_label("Day").select_option(label="The day before")
    added.get_by_label("Time (the patient's own)").fill("18:30")
    prompts.get_by_role("button", name="Save the prompt times").click()
    expect(prompts.get_by_text("Saved the prompt times.")).to_be_visible()
    expect(prompts.get_by_text("Your clinic's own times.")).to_be_visible()
    [schedule] = fresh_rows(ClinicPushSchedule, clinic_id=practice.clinic_id)
    assert {"name": "before_1", "days": -1, "at": "18:30"} in schedule.session_prompts

    # Escalation: out of range is refused under the field; a day is kept.
    flags = desk.get_by_role("form", name="Urgent flags")
    hours = flags.get_by_label("Hours before an open urgent flag is escalated")
    hours.fill("200")
    flags.get_by_role("button", name="Save the escalation time").click()
    expect(hours).to_have_attribute("aria-invalid", "true")
    expect(hours).to_be_focused()
    expect(flags.locator(".field-error")).to_be_visible()
    hours.fill("36")
    flags.get_by_role("button", name="Save the escalation time").click()
    expect(flags.get_by_text("urgent flags are escalated after 36 hours open")).to_be_visible()
    [settings] = fresh_rows(FlagSettings, clinic_id=practice.clinic_id)
    assert settings.escalate_after_hours == 36


@pytest.fixture
def clinic_admin():
    """A clinic and its admin, enrolled in TOTP with `factories.STAFF_TOTP_SECRET`."""
    from tests.browser.conftest import detached

    clinic = factories.clinic()
    admin = factories.user(clinic, "admin")
    return detached(clinic, admin)


def test_a_save_over_a_colleagues_newer_prompt_times_is_refused_and_says_so(
    desk, live_server, clinic_admin, staff_sign_in
):
    from server.extensions import db
    from server.push import clinic_schedule
    from server.push.models import ClinicPushSchedule

    clinic, admin = clinic_admin
    staff_sign_in(desk, admin.email, factories.STAFF_TOTP_SECRET)
    expect(desk.get_by_role("heading", name="Audit log", level=1)).to_be_visible(timeout=15000)
    nav = desk.get_by_role("navigation", name="Workspace")
    nav.get_by_role("link", name="Clinic settings").click()
    prompts = desk.get_by_role("form", name="Prompt times around each dosing session")
    expect(prompts.get_by_text("Between's default times.")).to_be_visible()
    # While this form is open, a colleague saves times of their own.
    colleague = [{"name": "morning_after", "days": 1, "at": "09:30"}]
    clinic_schedule.set_clinic_session_prompts(clinic.id, colleague)
    db.session.commit()
    prompts.get_by_role("group", name="Prompt 1").get_by_label("Time (the patient's own)").fill(
        "18:30"
    )
    prompts.get_by_role("button", name="Save the prompt times").click()
    alert = prompts.get_by_role("alert")
    expect(alert).to_have_text("The prompt schedule changed meanwhile. Reload it and try again.")
    [stored] = fresh_rows(ClinicPushSchedule, clinic_id=clinic.id)
    assert stored.session_prompts == colleague


@pytest.fixture
def outcomes_clinic():
    """A clinic of two dosed patients on PHQ-9: one 20 -> 4 (responded, remitted), one 12 -> 11."""
    from server.db import utcnow
    from server.extensions import db

    now = utcnow()
    clinic = factories.clinic("Outcomes KAP")
    admin = factories.user(clinic, "admin", display_name="Ola Admin")
    therapist = factories.user(clinic, "therapist")
    for before, after in (
        ([3, 3, 3, 3, 3, 3, 2, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0, 0]),
        ([3, 3, 3, 3, 0, 0, 0, 0, 0], [3, 3, 3, 2, 0, 0, 0, 0, 0]),
    ):
        patient = factories.user(clinic, "patient", therapist=therapist)
        factories.ketamine_session(
            patient, scheduled_at=now - timedelta(days=30), status="completed"
        )
        factories.measure_response(
            patient, "phq9", answers=before, completed_at=now - timedelta(days=35)
        )
        factories.measure_response(
            patient, "phq9", answers=after, completed_at=now - timedelta(days=3)
        )
    email = admin.email
    db.session.remove()
    return email


def test_the_admin_reads_the_outcomes_and_downloads_them(
    desk, live_server, outcomes_clinic, staff_sign_in
):
    staff_sign_in(desk, outcomes_clinic, factories.STAFF_TOTP_SECRET)
    desk.get_by_role("navigation", name="Workspace").get_by_role("link", name="Outcomes").click()
    expect(desk.get_by_role("heading", name="Outcomes", level=1)).to_be_visible()
    rows = desk.locator("table.outcomes tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_have_text(re.compile(r"PHQ-9\s*2\s*2\s*1 of 2 \(50%\)\s*1 of 2 \(50%\)"))
    expect(rows.nth(1)).to_have_text(re.compile(r"GAD-7\s*0\s*0\s*—\s*—"))
    expect(rows.nth(2)).to_contain_text("Not defined")
    both_schemes(desk, "outcomes")
    screenshot(desk, "therapist-outcomes")

    with desk.expect_download() as download:
        desk.get_by_role("link", name="Download as CSV").click()
    text = download.value.path().read_text(encoding="utf-8")
    assert download.value.suggested_filename == "outcomes.csv"
    assert text.splitlines()[1] == "phq9,2,2,1,1,0.5,0.5"
