"""Charts that show what they say: a series with one day of data draws its point; the
"latest" is the newest check-in, not a day's average; and each chart's legend names what
it draws, while its table lists the same points."""

from datetime import UTC, datetime, time, timedelta

from playwright.sync_api import expect

from tests.browser.helpers import check_accessibility

WORKSPACE = "/therapist/index.html"

# Per chart: what its SVG draws, what its legend names, how many rows its table has.
CHARTS = """figures => figures.map(figure => {
  const svg = figure.querySelector("svg.trend");
  const keys = [...figure.querySelectorAll(".legend .key")].map(
    key => [...key.classList].find(name => name.startsWith("key-")).slice(4));
  return {
    title: svg.querySelector("title").textContent,
    points: svg.querySelectorAll("circle.dot").length,
    line: svg.querySelectorAll("polyline.line").length > 0,
    doses: svg.querySelectorAll("path.dose-mark").length,
    response: svg.querySelectorAll(".mark.response").length,
    remission: svg.querySelectorAll(".mark.remission").length,
    threshold: svg.querySelectorAll("line.threshold").length,
    keys,
    rows: figure.querySelectorAll(".data-table tbody tr").length,
    caption: figure.querySelector("figcaption").textContent,
  };
})"""


def _charts(page, scope):
    figures = page.locator(f"{scope} figure.chart-figure")
    expect(figures.first).to_be_attached()
    return figures.evaluate_all(CHARTS)


def _legend_matches(chart):
    """The legend names exactly the kinds of mark drawn; the table lists every point."""
    drawn = set()
    if chart["line"]:
        drawn.add("line")
    elif chart["points"]:
        drawn.add("dot")
    for kind in ("response", "remission", "threshold"):
        if chart[kind]:
            drawn.add(kind)
    if chart["doses"]:
        drawn.add("dose")
    assert set(chart["keys"]) == drawn, chart
    assert len(chart["keys"]) == len(set(chart["keys"])), chart
    assert chart["rows"] == chart["points"], chart


def _one_day(patient_time_zone="UTC"):
    """A patient whose window began yesterday at 13:00 (UTC), with two check-ins after it
    (8, then 3) and one PHQ-9: one day of data, drawn whatever the hour the test runs."""
    from server.db import utcnow
    from server.extensions import db
    from tests import factories

    now = utcnow()
    yesterday = now.date() - timedelta(days=1)

    def at(hour):
        return datetime.combine(yesterday, time(hour), UTC)

    clinic = factories.clinic()
    therapist = factories.user(clinic, "therapist")
    patient = factories.user(
        clinic,
        "patient",
        therapist=therapist,
        display_name="Kit Vale",
        time_zone=patient_time_zone,
        created_at=now - timedelta(days=30),
    )
    factories.integration_session(patient, therapist, scheduled_at=at(13), status="completed")
    factories.checkin(patient, recorded_at=at(14), mood=8, shared=True)
    factories.checkin(patient, recorded_at=at(15), mood=3, shared=True)
    factories.measure_response(
        patient, "phq9", answers=[1, 1, 1, 1, 1, 0, 0, 0, 0], completed_at=at(16)
    )
    ids = (therapist.email, patient.id)
    db.session.remove()
    return ids


def test_one_day_of_check_ins_draws_its_point_and_the_latest_check_in(
    browser, live_server, staff_sign_in
):
    therapist_email, patient_id = _one_day()
    # The chart places a day at its noon here: in UTC, before the window's 13:00.
    laptop = browser.new_context(viewport={"width": 1280, "height": 800}, timezone_id="UTC")
    try:
        desk = laptop.new_page()
        staff_sign_in(desk, therapist_email, _secret())
        desk.goto(f"{live_server}{WORKSPACE}#/patients/{patient_id}/brief")
        expect(desk.get_by_role("heading", name="Session brief: Kit Vale")).to_be_visible()
        expect(desk.locator(".loading")).to_have_count(0)
        desk.get_by_text("Charts of mood and scores").click()
        [mood] = _charts(desk, "#brief-full")  # one PHQ-9 in the window: a row, not a chart
        assert mood["title"] == "Daily mood"
        assert mood["points"] == 1 and mood["keys"] == ["dot"], mood
        assert mood["rows"] == 1
        # The day's average is 5.5; the latest check-in said 3.
        assert "latest check-in 3." in mood["caption"], mood["caption"]
        expect(desk.locator("#brief-full .data-table tbody td").nth(1)).to_have_text("5.5")
        _legend_matches(mood)
        checkins = desk.get_by_role("region", name="Check-ins", exact=True)
        expect(checkins.get_by_role("row", name="Mood").locator("td").nth(2)).to_have_text("3")
        # The check-in scales' strip draws the one day too.
        expect(checkins.get_by_role("row", name="Mood").locator("circle.dot")).to_have_count(1)

        desk.goto(f"{live_server}{WORKSPACE}#/patients/{patient_id}")
        expect(desk.get_by_role("heading", name="Kit Vale", level=1)).to_be_visible()
        expect(desk.locator(".trend-section .loading")).to_have_count(0)
        charts = _charts(desk, ".trend-section")
        assert [chart["title"] for chart in charts] == ["Daily mood", "PHQ-9 total"]
        mood, phq9 = charts
        assert mood["points"] == 1 and "latest check-in 3." in mood["caption"], mood
        assert phq9["points"] == 1 and phq9["keys"] == ["dot"], phq9
        for chart in charts:
            _legend_matches(chart)
        desk.emulate_media(reduced_motion="reduce")
        for scheme in ("light", "dark"):
            desk.emulate_media(color_scheme=scheme)
            desk.wait_for_timeout(300)
            check_accessibility(desk, f"patient with one day of data ({scheme})")
    finally:
        laptop.close()


def test_every_chart_legend_names_what_is_drawn(desk, live_server, practice, staff_sign_in):
    """Robin's treatment: lines, dosing sessions, response and remission marks."""
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    desk.goto(f"{live_server}{WORKSPACE}#/patients/{practice.robin}")
    expect(desk.get_by_role("heading", name="Robin Ash", level=1)).to_be_visible()
    expect(desk.locator(".trend-section .loading")).to_have_count(0)
    charts = _charts(desk, ".trend-section")
    assert [chart["title"] for chart in charts] == ["Daily mood", "PHQ-9 total", "GAD-7 total"]
    assert charts[0]["doses"] == 2 and charts[1]["remission"] == 1
    for chart in charts:
        _legend_matches(chart)

    desk.goto(f"{live_server}{WORKSPACE}#/patients/{practice.robin}/brief")
    expect(desk.get_by_role("heading", name="Session brief: Robin Ash")).to_be_visible()
    expect(desk.locator(".loading")).to_have_count(0)
    for chart in _charts(desk, "#brief-full"):
        _legend_matches(chart)


def _secret():
    from tests import factories

    return factories.STAFF_TOTP_SECRET
