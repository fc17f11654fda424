"""A phone whose clock is far off is told so, and its check-ins still arrive.

The server refuses times more than 15 minutes ahead of its clock. The
PWA learns the server's time from every answer (the Date header), puts
the times it sends right, and says in the status line that the phone's
clock is off, instead of every check-in being refused.
"""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import check_accessibility, open_app, sign_in_via_api


@pytest.fixture
def patient(care_team):
    return care_team[2]


@pytest.mark.parametrize(
    ("hours", "way", "scheme"), [(3, "ahead", "light"), (-2, "behind", "dark")]
)
def test_a_phone_with_a_wrong_clock_is_told_and_its_check_in_is_saved(
    page, live_server, patient, hours, way, scheme
):
    from server.extensions import db
    from server.journal.models import CheckIn

    page.emulate_media(color_scheme=scheme)
    page.clock.install(time=datetime.now(UTC) + timedelta(hours=hours))
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    status = page.locator("#sync-status")
    expect(status).to_contain_text(f"Your phone's clock is about {abs(hours)} hours {way}")
    check_accessibility(page, f"today with a clock notice ({scheme})")

    page.get_by_role("group", name="How is your mood right now?").get_by_label(
        "7", exact=True
    ).click()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Saved. Thank you for checking in.")).to_be_visible()
    expect(status).not_to_contain_text("need")  # nothing held for correction

    db.session.expire_all()
    stored = db.session.scalars(db.select(CheckIn).where(CheckIn.patient_id == patient.id)).one()
    # Timed by the server's clock: within minutes of now, not hours off.
    assert abs(stored.recorded_at - datetime.now(UTC)) < timedelta(minutes=5)
