"""The therapist's side of the safety loop in real Chromium, at a laptop's 1280 by 800.

The therapist sees a safety answer's item-9 level, follows the flag to the
response that raised it (and all its answers on demand), reads why it was
raised, finds it at the top of the brief with the flags acknowledged since
last time, and acknowledges it with what was done. axe checks each of these
screens in light and dark.
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import check_accessibility

WORKSPACE = "/therapist/index.html"


@pytest.fixture
def loop():
    """A patient whose shared PHQ-9 two days ago answered item 9 "more than half the
    days" (the flag raised by the real rule), and a low-mood flag acknowledged
    since the last integration session, with its outcome and note."""
    from types import SimpleNamespace

    from server.db import utcnow
    from server.extensions import db
    from server.flags import services as flags
    from server.flags.models import Flag
    from tests import factories

    now = utcnow()
    clinic = factories.clinic("Harbour KAP")
    therapist = factories.user(clinic, "therapist", display_name="Dr Kim Adeyemi")
    patient = factories.user(clinic, "patient", therapist=therapist, display_name="Ada Lovell")
    factories.integration_session(
        patient, therapist, scheduled_at=now - timedelta(days=5), status="completed"
    )
    factories.integration_session(patient, therapist, scheduled_at=now + timedelta(days=2))
    for day in range(4):
        factories.checkin(patient, recorded_at=now - timedelta(days=4 - day, hours=3), mood=5)
    response = factories.measure_response(
        patient,
        "phq9",
        answers=[2, 2, 1, 2, 1, 1, 1, 0, 2],
        shared=True,
        completed_at=now - timedelta(days=2),
    )
    (urgent,) = flags.check_measure_response(response, patient)
    low = factories.flag(patient, "low_mood", raised_at=now - timedelta(days=4))
    flags.acknowledge(
        low, therapist, outcome="reviewed_at_session", note="Talked it through on the phone."
    )
    db.session.commit()
    values = SimpleNamespace(
        therapist_email=therapist.email,
        secret=factories.STAFF_TOTP_SECRET,
        patient=patient.id,
        response=response.id,
        urgent=urgent.id,
        flag_model=Flag,
    )
    db.session.remove()
    return values


def test_the_therapist_sees_the_level_follows_the_flag_and_acknowledges_with_an_outcome(
    desk, live_server, loop, staff_sign_in, console_errors
):
    from server.extensions import db
    from server.flags.models import Flag

    # No colour transitions, so axe reads each scheme's colours at once.
    desk.emulate_media(reduced_motion="reduce")
    staff_sign_in(desk, loop.therapist_email, loop.secret)
    desk.goto(f"{live_server}{WORKSPACE}#/flags")
    card = desk.locator(".flag-card").first
    expect(card).to_contain_text("Ada Lovell: Safety answer on the PHQ-9")
    expect(card.locator(".item9")).to_have_text("Item 9: more than half the days")
    expect(card).to_contain_text("Answered")
    card.get_by_text("Why was this flagged?").click()
    expect(card.locator(".why")).to_contain_text("PHQ-9 item 9")
    for scheme in ("light", "dark"):
        desk.emulate_media(color_scheme=scheme)
        check_accessibility(desk, f"flags ({scheme})")
    desk.emulate_media(color_scheme="light")

    # The flag leads to the response that raised it, on the patient's timeline.
    card.get_by_role("link", name="Open the response").click()
    expect(desk).to_have_url(re.compile(rf"#/patients/{loop.patient}/items/{loop.response}$"))
    target = desk.locator(f'article[data-item-id="{loop.response}"]')
    expect(target).to_be_focused()
    expect(target).to_have_class(re.compile("is-target"))
    expect(target.locator(".item9")).to_have_text(
        "Item 9 (thoughts of death or of self-harm): more than half the days"
    )
    target.get_by_text("All answers").click()
    answers = target.locator(".all-answers li")
    expect(answers).to_have_count(9)
    expect(answers.first).to_contain_text("Little interest or pleasure in doing things")
    expect(answers.first).to_contain_text("More than half the days (2)")
    for scheme in ("light", "dark"):
        desk.emulate_media(color_scheme=scheme)
        check_accessibility(desk, f"patient opened on a flag's response ({scheme})")
    desk.emulate_media(color_scheme="light")

    # The brief opens with the open urgent flag and keeps the acknowledged one.
    desk.goto(f"{live_server}{WORKSPACE}#/patients/{loop.patient}/brief")
    expect(desk.get_by_role("heading", name="Session brief: Ada Lovell")).to_be_visible()
    expect(desk.locator(".loading")).to_have_count(0)
    expect(desk.locator("main h2").first).to_have_text("Safety")
    safety = desk.get_by_role("region", name="Safety", exact=True)
    expect(safety.locator("#brief-flags")).to_have_text("Open flags (1)")
    first = safety.locator("li").first
    expect(first).to_contain_text("Urgent: Safety answer on the PHQ-9.")
    expect(first).to_contain_text("Item 9: more than half the days")
    done = desk.locator("#brief-acknowledged").locator("..")
    expect(desk.locator("#brief-acknowledged")).to_have_text(
        "Acknowledged since the last integration session"
    )
    expect(done).to_contain_text("Sustained low mood")
    expect(done).to_contain_text("reviewed at session")
    expect(done).to_contain_text("Talked it through on the phone.")
    # The latest shared PHQ-9's item 9, in its words, beside the flags.
    expect(safety.locator(".item9-level")).to_contain_text(
        "Item 9 (thoughts of death or self-harm): more than half the days"
    )
    for scheme in ("light", "dark"):
        desk.emulate_media(color_scheme=scheme)
        check_accessibility(desk, f"brief ({scheme})")
    desk.emulate_media(color_scheme="light")
    # Every answer of the brief's latest PHQ-9, on demand: its date leads to the response.
    desk.get_by_role("link", name=re.compile(r"^PHQ-9 of .+: all answers$")).click()
    expect(desk).to_have_url(re.compile(rf"#/patients/{loop.patient}/items/{loop.response}$"))
    target = desk.locator(f'article[data-item-id="{loop.response}"]')
    expect(target).to_be_focused()
    target.get_by_text("All answers").click()
    expect(target.locator(".all-answers li")).to_have_count(9)

    # Acknowledging says what was done, with a note for the care team.
    desk.goto(f"{live_server}{WORKSPACE}#/flags")
    card = desk.locator(".flag-card").first
    card.get_by_label("What was done").select_option(label="Safety plan reviewed")
    card.get_by_label("Note (optional)").fill("Called her; she is staying with her sister.")
    card.get_by_role("button", name="Acknowledge").click()
    expect(card).to_contain_text("Acknowledged: Safety plan reviewed")
    expect(desk.get_by_text("No open flags.")).to_be_visible()
    db.session.remove()
    flag = db.session.get(Flag, loop.urgent)
    assert flag.outcome == "safety_plan_reviewed"
    assert flag.note == "Called her; she is staying with her sister."
    assert console_errors == []


def harbour_team():
    """A therapist and their patient Ada Lovell at Harbour KAP (committed rows)."""
    from tests import factories

    clinic = factories.clinic("Harbour KAP")
    therapist = factories.user(clinic, "therapist", display_name="Dr Kim Adeyemi")
    patient = factories.user(clinic, "patient", therapist=therapist, display_name="Ada Lovell")
    return therapist, patient


def signed_in_as(therapist, **ids):
    """Commit, then let go of the session: the therapist's sign-in and the ids a test needs."""
    from types import SimpleNamespace

    from server.extensions import db
    from tests import factories

    db.session.commit()
    values = SimpleNamespace(
        therapist_email=therapist.email, secret=factories.STAFF_TOTP_SECRET, **ids
    )
    db.session.remove()
    return values


@pytest.fixture
def unsafe_checkin():
    """A shared check-in that said "I don't feel safe" an hour ago, flagged by the real rule."""
    from server.db import utcnow
    from server.flags import checkin_rules
    from tests import factories

    therapist, patient = harbour_team()
    checkin = factories.checkin(
        patient, recorded_at=utcnow() - timedelta(hours=1), mood=2, shared=True, unsafe=True
    )
    (flag,) = checkin_rules.check_checkin(checkin)
    return signed_in_as(therapist, patient=patient.id, checkin=checkin.id, flag=flag.id)


def test_a_check_in_flag_names_its_time_and_leads_to_the_check_in(
    desk, live_server, unsafe_checkin, staff_sign_in, console_errors
):
    staff_sign_in(desk, unsafe_checkin.therapist_email, unsafe_checkin.secret)
    desk.goto(f"{live_server}{WORKSPACE}#/flags")
    card = desk.locator(".flag-card").first
    expect(card).to_contain_text('Ada Lovell: Check-in: "I don\'t feel safe"')
    expect(card.locator(".badge.urgent")).to_contain_text("Urgent")
    checked_in = card.get_by_text("Checked in").locator("time")
    expect(checked_in).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    card.get_by_role("link", name="Open the check-in").click()
    expect(desk).to_have_url(
        re.compile(rf"#/patients/{unsafe_checkin.patient}/items/{unsafe_checkin.checkin}$")
    )
    target = desk.locator(f'article[data-item-id="{unsafe_checkin.checkin}"]')
    expect(target).to_be_focused()
    expect(target).to_contain_text("Said: “I don't feel safe.”")
    assert console_errors == []


@pytest.fixture
def departed():
    """A patient who deleted their account with an open safety flag and a dose booked."""
    from server.db import utcnow
    from server.extensions import db
    from server.flags import services as flags
    from server.privacy.services import delete_account
    from tests import factories

    therapist, patient = harbour_team()
    response = factories.measure_response(
        patient, "phq9", answers=[1, 1, 1, 1, 1, 1, 1, 1, 2], shared=True
    )
    flags.check_measure_response(response, patient)
    factories.ketamine_session(
        patient, created_by=therapist, scheduled_at=utcnow() + timedelta(days=3)
    )
    db.session.commit()
    delete_account(patient, factories.PASSWORD)
    return signed_in_as(therapist)


def test_a_patient_who_deleted_their_account_leaves_a_notice_on_the_flags_screen(
    desk, live_server, departed, staff_sign_in, console_errors
):
    staff_sign_in(desk, departed.therapist_email, departed.secret)
    desk.goto(f"{live_server}{WORKSPACE}#/flags")
    notices = desk.get_by_role("region", name="Accounts deleted with open flags")
    expect(notices).to_be_visible()
    (notice,) = notices.locator("li").all()
    expect(notice).to_contain_text("Ada Lovell deleted their account")
    expect(notice).to_contain_text("Open then: 1 \u00d7 Safety answer on the PHQ-9.")
    expect(notice).to_contain_text("Booked sessions that went with it: Dosing session on")
    # Nothing of the answers: the notice holds no health data.
    expect(notice).not_to_contain_text("Item 9")
    # The flag itself went with the account.
    expect(desk.get_by_text("No open flags. Everything raised has been seen.")).to_be_visible()
    for scheme in ("light", "dark"):
        desk.emulate_media(color_scheme=scheme, reduced_motion="reduce")
        check_accessibility(desk, f"flags with a deletion notice ({scheme})")
    assert console_errors == []


@pytest.fixture
def repeated():
    """Item 9 answered "more than half the days", then "several days" a day later:
    one urgent flag (the real rule), repeated once."""
    from server.db import utcnow
    from server.flags import services as flags
    from tests import factories

    now = utcnow()
    therapist, patient = harbour_team()
    responses = []
    for days_ago, item9 in ((2, 2), (1, 1)):
        response = factories.measure_response(
            patient,
            "phq9",
            answers=[1, 1, 1, 1, 1, 1, 1, 1, item9],
            shared=True,
            completed_at=now - timedelta(days=days_ago),
        )
        flags.check_measure_response(response, patient)
        responses.append(response.id)
    return signed_in_as(therapist, patient=patient.id, first=responses[0], latest=responses[1])


def test_a_repeat_updates_the_open_flag_and_leads_to_the_latest_response(
    desk, live_server, repeated, staff_sign_in, console_errors
):
    staff_sign_in(desk, repeated.therapist_email, repeated.secret)
    desk.goto(f"{live_server}{WORKSPACE}#/flags")
    card = desk.locator(".flag-card")
    expect(card).to_have_count(1)  # one flag, not one per answer
    expect(card.locator(".item9")).to_have_text("Item 9: more than half the days")
    expect(card).to_contain_text("Repeated: 2 times in all, last")
    expect(card.get_by_role("link", name="Open the response")).to_have_attribute(
        "href", f"#/patients/{repeated.patient}/items/{repeated.first}"
    )
    check_accessibility(desk, "flags, a repeated flag")
    card.get_by_role("link", name="Open the latest response").click()
    expect(desk).to_have_url(re.compile(rf"#/patients/{repeated.patient}/items/{repeated.latest}$"))
    target = desk.locator(f'article[data-item-id="{repeated.latest}"]')
    expect(target).to_be_focused()
    expect(target.locator(".item9")).to_have_text(
        "Item 9 (thoughts of death or of self-harm): several days"
    )
    assert console_errors == []
