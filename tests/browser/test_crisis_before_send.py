"""Help at the moment of risk, on a phone: the crisis card shows the moment PHQ-9
item 9 is answered above 0 or a check-in says "I don't feel safe", before
anything is sent, with no network, and when the connection hangs.
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from tests.browser.helpers import (
    check_accessibility,
    fresh_rows,
    open_app,
    sign_in_via_api,
    wait_for_service_worker,
    wait_until,
)

LABELS = ["Not at all", "Several days", "More than half the days", "Nearly every day"]
BEFORE_SEND = "Help is here now"
AFTER = "You don't have to carry this alone"
NOT_WATCHED = "Between is not watched in real time."
SHARE_NOTE = (
    "Your therapist reads what you share before your next session. "
    "If you need help now, use Need help now."
)


@pytest.fixture
def patient(care_team):
    return care_team[2]


def answer(page, answers):
    for number, value in enumerate(answers, start=1):
        expect(page.get_by_text(f"Question {number} of 9")).to_be_visible()
        page.get_by_role("radio", name=LABELS[value], exact=True).click()
    if len(answers) == 9:
        skip_difficulty(page)


def skip_difficulty(page):
    """The unscored difficulty item comes last and may be skipped."""
    expect(page.get_by_text("One more question (optional)")).to_be_visible()
    page.get_by_role("button", name="Skip").click()
    expect(page.get_by_role("heading", name="Ready to send")).to_be_visible()


def keep_crisis_list(page, base, country="United States"):
    """Open Need help now once online, as the app does on start: the list is kept.

    Returns once every request for the list has been answered. The app asks
    twice on start (the screen, and keeping the list for offline): the screen's
    answer shows first, and the other, still on its way, would be read after a
    change the test makes next and kept over this list.
    """
    asked, answered = [], []

    def ask(request):
        if request.url.endswith("/api/v1/crisis-resources"):
            asked.append(request)

    def answer(request):
        if request in asked:
            answered.append(request)

    page.on("request", ask)
    page.on("requestfinished", answer)
    page.on("requestfailed", answer)
    open_app(page, base, "/crisis")
    expect(page.get_by_text(f"These lines are for {country}")).to_be_visible()
    assert wait_until(page, lambda: len(answered) == len(asked))
    for event, handler in (
        ("request", ask),
        ("requestfinished", answer),
        ("requestfailed", answer),
    ):
        page.remove_listener(event, handler)


def reopen_with_the_fresh_list_held(page, context):
    """Open Need help now again, its fresh list held, so the kept (US) one shows.

    Returns `release()`, which lets the held requests, and any later, through.
    """
    held, holding = [], [True]
    context.route(
        "**/api/v1/crisis-resources",
        lambda route: held.append(route) if holding else route.continue_(),
    )
    page.reload()
    expect(
        page.get_by_text("These lines are for United States (from your time zone).")
    ).to_be_visible()

    def release():
        assert wait_until(page, lambda: held)
        holding.clear()
        for route in held:
            route.continue_()

    return release


def card_with_lines(page, name, call="988", emergency="911"):
    card = page.get_by_role("region", name=name)
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name=f"Call {call}", exact=True).first).to_have_attribute(
        "href", f"tel:{call.replace(' ', '')}"
    )
    expect(card.get_by_role("link", name=f"Call {emergency}", exact=True)).to_have_attribute(
        "href", f"tel:{emergency}"
    )
    expect(card.get_by_text(NOT_WATCHED)).to_be_visible()
    return card


def both_schemes_pass_axe(page, name):
    check_accessibility(page, f"{name} (light)")
    # Without motion, so no colour is caught half-way through its transition.
    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    check_accessibility(page, f"{name} (dark)")
    page.emulate_media(color_scheme="light", reduced_motion="no-preference")


def test_item_9_above_0_shows_the_card_before_send_and_until_sent(page, live_server, patient):
    from server.measures.models import MeasureResponse

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/measures/phq9")
    answer(page, [0] * 8)
    expect(page.get_by_role("region", name=BEFORE_SEND)).to_have_count(0)
    expect(page.get_by_text("Question 9 of 9")).to_be_visible()
    page.get_by_role("radio", name="Several days", exact=True).click()
    # At once, then on the difficulty item, and still there on the screen with Send.
    card_with_lines(page, BEFORE_SEND)
    expect(page.get_by_text("One more question (optional)")).to_be_visible()
    card_with_lines(page, BEFORE_SEND)
    skip_difficulty(page)
    card = card_with_lines(page, BEFORE_SEND)
    expect(card.get_by_role("link", name="Text HOME to 741741")).to_have_attribute(
        "href", "sms:741741?&body=HOME"
    )
    expect(page.get_by_label("Share with my therapist")).to_have_accessible_description(
        f"If you tell us you've had thoughts that you would be better off dead, or of hurting "
        f"yourself, your care team is told you may need support, even if you keep your answers "
        f"private. They see only that, not your answers. {SHARE_NOTE}"
    )
    both_schemes_pass_axe(page, "PHQ-9 crisis card before Send")
    # Closed and opened again before sending: the kept answers bring the card back.
    page.reload()
    expect(page.get_by_text("One more question (optional)")).to_be_visible()
    expect(page.get_by_role("region", name=BEFORE_SEND)).to_be_visible()
    # Going back to the question keeps the card reachable.
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_text("Question 9 of 9")).to_be_visible()
    expect(page.get_by_role("region", name=BEFORE_SEND)).to_be_visible()
    page.get_by_role("button", name="Next", exact=True).click()
    skip_difficulty(page)

    page.get_by_role("button", name="Send my answers").click()
    card_with_lines(page, AFTER)
    expect(page.get_by_role("region", name=BEFORE_SEND)).to_have_count(0)
    expect(page.get_by_text("Your score: 1 of 27")).to_be_visible()
    [row] = fresh_rows(MeasureResponse, patient_id=patient.id)
    assert row.answers[8] == 1


def test_offline_the_kept_list_shows_before_send(page, context, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    keep_crisis_list(page, live_server)
    open_app(page, live_server, "/measures/phq9")
    wait_for_service_worker(page)
    expect(page.get_by_text("Question 1 of 9")).to_be_visible()
    context.set_offline(True)
    answer(page, [0] * 8 + [3])
    card = card_with_lines(page, BEFORE_SEND)
    expect(card.get_by_text("Open: ")).to_have_count(0)
    page.get_by_role("button", name="Send my answers").click()
    card_with_lines(page, AFTER)
    expect(page.get_by_text("will be sent when you're back online")).to_be_visible()


def test_a_connection_that_never_answers_never_delays_the_card(page, context, live_server, patient):
    from server.measures.models import MeasureResponse

    page.clock.install()  # the app's request deadline passes without the test waiting it out
    sign_in_via_api(page, live_server, patient)
    keep_crisis_list(page, live_server)
    open_app(page, live_server, "/measures/phq9")
    expect(page.get_by_text("Question 1 of 9")).to_be_visible()
    hanging = []
    # Every API request from now on is held open and never answered.
    context.route("**/api/v1/**", lambda route: hanging.append(route))
    answer(page, [1] * 8 + [2])
    card_with_lines(page, BEFORE_SEND)
    page.get_by_role("button", name="Send my answers").click()
    # While the send hangs, help stays on screen; then it counts as offline and is kept.
    expect(page.get_by_role("button", name="Sending…")).to_be_disabled()
    card_with_lines(page, BEFORE_SEND)
    kept = page.get_by_text("will be sent when you're back online")
    # Each try starts with a request that hangs until its deadline; the page's clock
    # jumps past it as soon as the request is out, until the app counts as offline.
    tries = 0
    for _ in range(400):
        if kept.is_visible():
            break
        started = sum("/api/v1/auth/me" in route.request.url for route in hanging)
        if started > tries:
            tries = started
            page.clock.fast_forward("00:11")
        page.wait_for_timeout(50)
    expect(kept).to_be_visible()
    card_with_lines(page, AFTER)
    assert hanging, "the app asked the server nothing: the test proved nothing"
    assert fresh_rows(MeasureResponse, patient_id=patient.id) == []


def test_never_online_the_built_in_list_of_the_phones_country_shows(browser, live_server, patient):
    phone = {"width": 390, "height": 844}
    context = browser.new_context(viewport=phone, timezone_id="Europe/London")
    try:
        page = context.new_page()
        sign_in_via_api(page, live_server, patient)
        # The crisis list never arrives: only the questionnaire and the session do.
        context.route("**/api/v1/crisis-resources**", lambda route: route.abort())
        open_app(page, live_server, "/measures/phq9")
        expect(page.get_by_text("Question 1 of 9")).to_be_visible()
        answer(page, [0] * 8 + [1])
        card_with_lines(page, BEFORE_SEND, call="116 123", emergency="999")
    finally:
        context.close()


def test_i_dont_feel_safe_shows_the_card_at_once_and_tells_the_care_team(
    page, live_server, patient
):
    from server.flags.models import Flag
    from server.journal.models import CheckIn

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/today")
    unsafe = page.get_by_label("I don't feel safe right now")
    expect(unsafe).to_have_accessible_description(
        "Choosing this shows you who to call now. Your care team is also told you may need "
        "support, even if this check-in is private. They see only that, not your check-in."
    )
    expect(page.get_by_label("Share with my therapist")).to_have_accessible_description(SHARE_NOTE)
    page.get_by_role("radio", name="2", exact=True).first.click()
    expect(page.get_by_role("region", name=BEFORE_SEND)).to_have_count(0)
    unsafe.check()
    card_with_lines(page, BEFORE_SEND)
    both_schemes_pass_axe(page, "check-in, I don't feel safe")
    page.get_by_label("Share with my therapist").uncheck()
    page.get_by_role("button", name="Save check-in").click()
    card = card_with_lines(page, AFTER)
    expect(card.get_by_text("Your care team has been told you may need support.")).to_be_visible()
    expect(card.get_by_text("They are told only this, not your check-in.")).to_be_visible()
    expect(page.get_by_role("heading", name=AFTER)).to_be_focused()
    both_schemes_pass_axe(page, "check-in sent, I don't feel safe")
    [row] = fresh_rows(CheckIn, patient_id=patient.id)
    assert row.unsafe is True and row.shared is False
    [flag] = fresh_rows(Flag, patient_id=patient.id)
    assert (flag.kind, flag.severity) == ("unsafe_checkin", "urgent")


def test_i_dont_feel_safe_offline_shows_the_card_and_waits_in_the_outbox(
    page, context, live_server, patient
):
    from server.flags.models import Flag
    from server.journal.models import CheckIn

    sign_in_via_api(page, live_server, patient)
    keep_crisis_list(page, live_server)
    open_app(page, live_server, "/today")
    wait_for_service_worker(page)
    context.set_offline(True)
    page.get_by_role("radio", name="1", exact=True).first.click()
    page.get_by_label("I don't feel safe right now").check()
    card_with_lines(page, BEFORE_SEND)
    page.get_by_role("button", name="Save check-in").click()
    card = card_with_lines(page, AFTER)
    expect(
        card.get_by_text("Your care team will be told you may need support when your phone is")
    ).to_be_visible()
    assert fresh_rows(CheckIn, patient_id=patient.id) == []
    context.set_offline(False)
    expect(page.get_by_text("Everything you wrote is sent.")).to_be_visible(timeout=20000)
    [row] = fresh_rows(CheckIn, patient_id=patient.id)
    assert row.unsafe is True
    assert [f.kind for f in fresh_rows(Flag, patient_id=patient.id)] == ["unsafe_checkin"]


def test_over_a_connection_that_never_answers_the_check_in_says_it_is_kept(
    page, context, live_server, patient
):
    from server.journal.models import CheckIn

    sign_in_via_api(page, live_server, patient)
    keep_crisis_list(page, live_server)
    open_app(page, live_server, "/today")
    held = []
    context.route("**/api/v1/checkins", lambda route: held.append(route))
    page.get_by_role("radio", name="2", exact=True).first.click()
    page.get_by_label("I don't feel safe right now").check()
    page.get_by_role("button", name="Save check-in").click()
    # Before the send's deadline (10 s) and without waiting for it: the check-in is
    # on the phone, the patient is told so, and the card stays.
    expect(
        page.get_by_role("status").filter(has_text="Saved on this phone. Sending…")
    ).to_be_visible(timeout=3000)
    card_with_lines(page, BEFORE_SEND)
    wait_until(page, lambda: held, every_ms=100)  # the send starts once the session is checked
    assert held, "the check-in was never sent: the test proved nothing"
    expect(
        page.get_by_role("status").filter(has_text="Saved on this phone. Sending…")
    ).to_be_visible()
    assert fresh_rows(CheckIn, patient_id=patient.id) == []
    both_schemes_pass_axe(page, "check-in kept, sending")


def test_the_invitation_says_between_is_not_watched_in_real_time(page, live_server, care_team):
    from server.auth import services
    from server.extensions import db

    _, therapist, _ = care_team
    _, token = services.create_invite(
        therapist, email="new@example.test", role="patient", display_name="Sam", therapist=therapist
    )
    db.session.commit()
    open_app(page, live_server, f"/invite/{token}")
    expect(page.get_by_role("heading", name="Between is not watched in real time")).to_be_visible()
    expect(page.get_by_text("thoughts that you would be better off dead")).to_be_visible()
    expect(page.get_by_text("a check-in says you don't feel safe")).to_be_visible()
    both_schemes_pass_axe(page, "invite")


@pytest.mark.parametrize(
    ("route", "ready"),
    [
        ("/crisis", "These lines are for United States"),
        ("/journal/new", "What's on your mind?"),
        ("/sharing", "Sharing"),
    ],
)
def test_changed_screens_say_so_and_pass_axe(page, live_server, patient, route, ready):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, route)
    expect(page.get_by_text(ready).first).to_be_visible()
    if route == "/crisis":
        expect(page.get_by_text(NOT_WATCHED)).to_be_visible()
        expect(page.get_by_role("link", name="Call 911", exact=True)).to_have_attribute(
            "href", "tel:911"
        )
    else:
        expect(page.get_by_text(SHARE_NOTE)).to_be_visible()
    both_schemes_pass_axe(page, route)


def test_the_clinics_phone_shows_with_its_opening_hours(page, live_server, care_team):
    from server.clinics.models import Clinic
    from server.extensions import db

    clinic, _, patient = care_team  # the factory gives the clinic the phone +1 555 0199
    stored = db.session.get(Clinic, clinic.id)
    stored.phone_hours = "Mon-Fri 9:00-17:00"
    db.session.commit()
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/crisis")
    expect(page.get_by_text("Open: Mon-Fri 9:00-17:00")).to_be_visible()
    expect(page.get_by_role("link", name="Call +1 555 0199")).to_have_attribute(
        "href", "tel:+15550199"
    )


def test_a_patient_chooses_the_country_of_their_help_lines(page, live_server, patient):
    from server.auth.models import User

    sign_in_via_api(page, live_server, patient)
    keep_crisis_list(page, live_server)
    expect(
        page.get_by_text("These lines are for United States (from your time zone).")
    ).to_be_visible()
    page.get_by_text("Live somewhere else? Choose your country").click()
    page.get_by_label("Country for help lines").select_option(label="United Kingdom")
    expect(page.get_by_text("Saved. Showing help lines for United Kingdom.")).to_be_visible()
    expect(page.get_by_role("link", name="Call 116 123")).to_have_attribute("href", "tel:116123")
    expect(page.get_by_role("link", name="Call 999", exact=True)).to_have_attribute(
        "href", "tel:999"
    )
    [me] = fresh_rows(User, id=patient.id)
    assert me.country == "GB"
    both_schemes_pass_axe(page, "crisis, country chosen")
    # From now on the patient's lines are the UK's, also when the screen opens again.
    page.reload()
    expect(page.get_by_text("These lines are for United Kingdom (you chose it).")).to_be_visible()


def test_the_country_chooser_stays_open_when_the_fresh_list_arrives(
    page, context, live_server, patient
):
    from server.auth.models import User
    from server.extensions import db

    sign_in_via_api(page, live_server, patient)
    keep_crisis_list(page, live_server)
    # Chosen on another phone meanwhile: this phone keeps the United States' list.
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(update(User).where(User.id == patient.id).values(country="GB"))
    release = reopen_with_the_fresh_list_held(page, context)
    page.get_by_text("Live somewhere else? Choose your country").click()
    choose = page.get_by_label("Country for help lines")
    expect(choose.locator("option", has_text="Ireland")).to_be_attached()
    release()
    # The fresh list says where the lines are for now, and the chooser stays open.
    expect(page.get_by_text("These lines are for United Kingdom (you chose it).")).to_be_visible()
    expect(page.get_by_role("link", name="Call 116 123")).to_be_visible()
    choose.select_option(label="Ireland")
    expect(page.get_by_text("Saved. Showing help lines for Ireland.")).to_be_visible()
    expect(page.get_by_text("These lines are for Ireland (you chose it).")).to_be_visible()
    [me] = fresh_rows(User, id=patient.id)
    assert me.country == "IE"


def test_a_focused_call_button_stays_when_the_same_list_arrives_fresh(
    page, context, live_server, patient
):
    sign_in_via_api(page, live_server, patient)
    keep_crisis_list(page, live_server)
    release = reopen_with_the_fresh_list_held(page, context)
    # A patient (keyboard, switch or screen reader) is on the line they mean to call.
    call = page.get_by_role("link", name="Call 988", exact=True).first
    call.focus()
    expect(call).to_be_focused()
    with page.expect_response(lambda response: "/crisis-resources" in response.url) as answer:
        release()
    answer.value.finished()
    page.wait_for_timeout(300)  # the fresh list, the same as the kept one, has been read
    expect(call).to_be_focused()


def test_the_app_opens_to_help_while_the_server_never_answers(page, context, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    keep_crisis_list(page, live_server)
    wait_for_service_worker(page)
    hanging = []
    # Every API request is held open and never answered: signing-in checks at start
    # time out, and the kept list shows.
    context.route("**/api/v1/**", lambda route: hanging.append(route))
    page.goto("about:blank")
    page.goto(f"{live_server}/#/crisis", wait_until="commit")
    expect(page.get_by_role("heading", name="Need help now?", level=1)).to_be_visible(timeout=20000)
    card = page.locator("main")
    expect(card.get_by_role("link", name="Call 988", exact=True)).to_have_attribute(
        "href", "tel:988"
    )
    expect(card.get_by_role("link", name="Call 911", exact=True)).to_have_attribute(
        "href", "tel:911"
    )
    assert hanging, "nothing was held: the test proved nothing"


def test_a_clinics_own_list_without_911_still_offers_it_as_a_tel_link(page, live_server, care_team):
    from server.crisis.models import ClinicCrisisResources
    from server.extensions import db

    clinic, _, patient = care_team
    # The clinic's admin chose one line of their own and no clinic phone: no 911 in it.
    db.session.add(
        ClinicCrisisResources(
            clinic_id=clinic.id,
            resources=[{"name": "Harbour on-call", "phone": "555 0100"}],
            include_clinic_phone=False,
        )
    )
    db.session.commit()
    sign_in_via_api(page, live_server, patient)
    keep_crisis_list(page, live_server)
    open_app(page, live_server, "/measures/phq9")
    answer(page, [0] * 8 + [1])
    card = card_with_lines(page, BEFORE_SEND, call="555 0100", emergency="911")
    # The served list is the clinic's: the built-in lines are not mixed back in.
    expect(card.get_by_role("link", name="Call 988", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Send my answers").click()
    card_with_lines(page, AFTER, call="555 0100", emergency="911")


def test_need_help_now_opens_while_the_start_up_check_still_waits(
    page, context, live_server, patient
):
    """Help never waits on the server: with every API request held open, Need help now
    shows its kept lines while the app's start-up check is still waiting for an answer
    (it would give up only after its timeout), opened directly or from the header link."""
    sign_in_via_api(page, live_server, patient)
    keep_crisis_list(page, live_server)
    hanging = []
    given_up = []
    context.route("**/api/v1/**", lambda route: hanging.append(route))
    page.on("requestfailed", lambda request: given_up.append(request.url))
    for start, follow_link in (("/#/crisis", False), ("/#/today", True)):
        page.goto("about:blank")
        given_up.clear()
        page.goto(f"{live_server}{start}", wait_until="commit")
        if follow_link:
            page.get_by_role("link", name="Need help now?").click()
        expect(page.get_by_role("heading", name="Need help now?", level=1)).to_be_visible()
        expect(page.get_by_role("link", name="Call 988", exact=True)).to_have_attribute(
            "href", "tel:988"
        )
        expect(page.get_by_role("link", name="Call 911", exact=True)).to_have_attribute(
            "href", "tel:911"
        )
        # The start-up check ("who is signed in?") is still held, not yet given up.
        assert any(route.request.url.endswith("/api/v1/auth/me") for route in hanging)
        assert not [url for url in given_up if url.endswith("/api/v1/auth/me")], start
