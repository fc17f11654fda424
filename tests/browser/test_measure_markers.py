"""What a therapist reads of the questionnaires on the caseload, the flags and the item
tables (PCL-5 cluster sums, the DSM-5 rule, the difficulty item), and the PCL-5 as its
patient reads it with the index event their therapist named; axe on each screen."""

from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.helpers import check_accessibility, open_app, sign_in_via_api

WORKSPACE = "/therapist/index.html"


def phq9(total: int) -> list[int]:
    """A PHQ-9 vector with `total` and item 9 at 0."""
    answers = [0] * 9
    for index in range(total):
        answers[index % 8] += 1
    return answers


def sam_relapses(practice) -> None:
    """Sam: a baseline of 16, a series from 88 days ago whose last dose was 50 days ago,
    a best of 3 since, and now 9: six above the nadir, a relapse signal."""
    from server.auth.models import User
    from server.db import utcnow
    from server.extensions import db
    from server.flags import measure_rules
    from tests import factories

    now = utcnow()
    sam = db.session.get(User, practice.sam)
    factories.measure_response(sam, "phq9", phq9(16), completed_at=now - timedelta(days=90))
    for days_ago in (88, 50):
        factories.ketamine_session(sam, scheduled_at=now - timedelta(days=days_ago))
    for days_ago, total in ((75, 8), (60, 3)):
        factories.measure_response(
            sam, "phq9", phq9(total), completed_at=now - timedelta(days=days_ago)
        )
    latest = factories.measure_response(sam, "phq9", phq9(9), completed_at=now - timedelta(days=1))
    kinds = [flag.kind for flag in measure_rules.check_response(latest, sam)]
    db.session.commit()
    assert kinds == ["relapse_signal"]
    db.session.remove()


def test_the_caseload_shows_scores_and_the_relapse_signal_and_sorts_by_change(
    desk, live_server, practice, staff_sign_in
):
    sam_relapses(practice)
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    expect(desk.locator("table.caseload tbody tr")).to_have_count(3)
    robin = desk.locator("table.caseload tbody tr", has_text="Robin Ash").locator("td.scores")
    # 18 before the first dose, 4 now; GAD-7 10 -> 5: exactly a 50 % drop.
    expect(robin).to_contain_text("PHQ-9 4 (-14), remission")
    expect(robin).to_contain_text("GAD-7 5 (-5), response")
    sam = desk.locator("table.caseload tbody tr", has_text="Sam Birch").locator("td.scores")
    expect(sam).to_contain_text("PHQ-9 9 (-7), reliable change, improved")
    expect(sam.locator(".badge.warning")).to_have_text(
        "PHQ-9 rising: 9, best 3; last dose 50 days ago"
    )
    expect(robin.locator(".badge")).to_have_count(0)

    # Descending first: the PHQ-9 least improved (or most worsened) on top; none last.
    for direction, names in (
        ("descending", ["Sam Birch", "Robin Ash", "Alex Cedar"]),
        ("ascending", ["Robin Ash", "Sam Birch", "Alex Cedar"]),
    ):
        desk.get_by_role("button", name="Scores").click()
        header = desk.get_by_role("columnheader", name="Scores")
        expect(header).to_have_attribute("aria-sort", direction)
        assert desk.locator("table.caseload tbody tr th a").all_inner_texts() == names
    check_accessibility(desk, "caseload with scores and a relapse signal")

    # The flag says how long after the last dose the PHQ-9 rose.
    desk.goto(f"{live_server}{WORKSPACE}#/flags")
    relapse = desk.locator("ul.flag-cards > li", has_text="PHQ-9 rising above its best")
    expect(relapse).to_contain_text("49 days after the last dosing session")
    check_accessibility(desk, "flags with a relapse signal")


def pcl5_and_difficulty(practice) -> None:
    """Robin: PCL-5 on, a baseline meeting the DSM-5 rule and a later one that does not,
    a GAD-7 whose difficulty item was answered, and a PHQ-9 with item 9 above 0."""
    from server.db import utcnow
    from server.extensions import db
    from server.measures.models import MeasurePlan
    from tests import factories

    now = utcnow()
    db.session.add(MeasurePlan(patient_id=practice.robin, phq9=True, gad7=True, pcl5=True))
    db.session.commit()
    from server.auth.models import User

    robin = db.session.get(User, practice.robin)
    # B 1-5, C 6-7, D 8-14, E 15-20.
    factories.measure_response(robin, "pcl5", [3] * 20, completed_at=now - timedelta(days=43))
    factories.measure_response(robin, "pcl5", [1] * 20, completed_at=now - timedelta(days=2))
    factories.measure_response(
        robin,
        "gad7",
        [2, 2, 1, 1, 1, 1, 1],
        completed_at=now - timedelta(days=30),
        difficulty=2,
    )
    # Remission-level (3 from a baseline of 18), but item 9 answered "several days".
    factories.measure_response(
        robin, "phq9", [0, 1, 1, 0, 0, 0, 0, 0, 1], completed_at=now - timedelta(days=1)
    )
    db.session.remove()


def test_the_item_tables_show_cluster_sums_the_dsm5_rule_and_difficulty(
    desk, live_server, practice, staff_sign_in
):
    pcl5_and_difficulty(practice)
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    desk.goto(f"{live_server}{WORKSPACE}#/patients/{practice.robin}/measures")
    expect(desk.locator(".loading")).to_have_count(0)

    pcl5 = desk.get_by_role("table", name="PCL-5: every shared answer, item by item")
    for cluster in "BCDE":
        expect(pcl5.get_by_role("columnheader", name=f"Cluster {cluster}")).to_be_visible()
    rows = pcl5.locator("tbody tr")
    expect(rows).to_have_count(2)
    # Cells: items 1-20, then clusters B, C, D, E, total, change, markers.
    first, second = rows.nth(0).locator("td"), rows.nth(1).locator("td")
    assert first.all_inner_texts()[20:25] == ["15", "6", "21", "18", "60"]
    assert second.all_inner_texts()[20:25] == ["5", "2", "7", "6", "20"]
    expect(rows.nth(0)).to_contain_text("DSM-5 rule met (provisional, screening only)")
    expect(rows.nth(0)).to_contain_text("baseline of series 1")
    expect(rows.nth(1)).not_to_contain_text("DSM-5 rule met")
    expect(rows.nth(1)).to_contain_text("-40")
    expect(rows.nth(1)).to_contain_text("clinically meaningful change, improved")
    expect(pcl5.get_by_role("columnheader", name="Difficulty")).to_have_count(0)

    gad7 = desk.get_by_role("table", name="GAD-7: every shared answer, item by item")
    expect(gad7.get_by_role("columnheader", name="Difficulty")).to_be_visible()
    # Cells: items 1-7, then the difficulty item; answered on the middle response only.
    difficulty = [row.locator("td").nth(7).inner_text() for row in gad7.locator("tbody tr").all()]
    assert difficulty == ["—", "Very difficult", "—"]
    phq9_rows = desk.get_by_role("table", name="PHQ-9: every shared answer, item by item").locator(
        "tbody tr"
    )
    expect(phq9_rows).to_have_count(4)
    expect(phq9_rows.nth(3).locator("td").last).to_have_text(
        "item 9: several days (response and remission not shown); reliable change, improved"
    )
    check_accessibility(desk, "item tables with PCL-5 clusters and difficulty")

    desk.emulate_media(media="print")
    expect(pcl5).to_be_visible()
    expect(gad7).to_be_visible()


def test_the_pcl5_names_the_event_the_therapist_named(page, live_server, care_team):
    from server.extensions import db
    from server.measures.models import MeasurePlan

    _, _, patient = care_team
    event = "the car accident in 2019"
    db.session.add(MeasurePlan(patient_id=patient.id, pcl5=True, index_event=event))
    db.session.commit()
    db.session.remove()
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/measures/pcl5")
    expect(
        page.get_by_text('"The stressful experience" here means: the car accident in 2019')
    ).to_be_visible()
    page.get_by_role("radio", name="Not at all").click()  # a tap moves on by itself
    expect(page.get_by_text("Question 2 of 20")).to_be_visible()
    expect(page.get_by_text("here means: the car accident in 2019")).to_be_visible()
    check_accessibility(page, "PCL-5 with the index event")


def test_a_dosing_session_is_marked_as_a_new_series_and_unmarked(
    desk, live_server, practice, staff_sign_in
):
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    desk.goto(f"{live_server}{WORKSPACE}#/patients/{practice.robin}/measures")
    expect(desk.locator(".loading")).to_have_count(0)
    series = desk.get_by_role("table", name="Treatment series and their baselines")
    expect(series.locator("tbody tr")).to_have_count(1)
    # Robin's sessions 40 and 12 days ago and in 5 days: one series; the two later
    # ones may start a new series. The one in 5 days is a booster, say.
    choice = desk.get_by_label("Dosing session that starts a new series")
    expect(choice.locator("option")).to_have_count(2)
    choice.select_option(index=1)
    desk.get_by_role("button", name="Start a new series there").click()
    expect(desk.locator("main p[role=status]")).to_have_text("New series marked.")
    expect(series.locator("tbody tr")).to_have_count(2)
    second = series.locator("tbody tr").nth(1)
    expect(second).to_contain_text("2 (marked new)")
    # Its baselines: the latest answers before it (PHQ-9 4 and GAD-7 5, 3 days ago).
    expect(second).to_contain_text("PHQ-9 4")
    expect(second).to_contain_text("GAD-7 5")
    phq9 = desk.get_by_role("table", name="PHQ-9: every shared answer, item by item")
    expect(phq9.locator("tbody tr").last).to_contain_text("baseline of series 2")
    check_accessibility(desk, "questionnaires with a marked series")

    desk.get_by_role("button", name="Undo the mark on series 2").click()
    expect(desk.locator("main p[role=status]")).to_have_text("Series 2 is no longer marked as new.")
    expect(series.locator("tbody tr")).to_have_count(1)
    expect(phq9.locator("tbody tr").last).not_to_contain_text("baseline of series")
