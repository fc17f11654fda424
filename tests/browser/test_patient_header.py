"""The patient page's header reads the patient's summary (GET /patients/{id}): not the
whole brief, not the caseload; opening the page writes one audited read of it."""

import re

from playwright.sync_api import expect

from server.audit.models import AuditEvent
from tests.browser.helpers import check_accessibility, fresh_rows

WORKSPACE = "/therapist/index.html"


def test_the_header_reads_the_summary_only_and_is_audited_once(
    desk, live_server, practice, staff_sign_in, console_errors
):
    staff_sign_in(desk, practice.therapist_email, practice.secret)
    expect(desk.get_by_role("heading", name="Caseload", level=1)).to_be_visible()
    expect(desk.locator(".loading")).to_have_count(0)
    caseload_reads = len(fresh_rows(AuditEvent, action="caseload_read"))

    asked = []
    desk.on("request", lambda request: asked.append(request.url.split("/api/v1", 1)[-1]))
    desk.goto(f"{live_server}{WORKSPACE}#/patients/{practice.robin}")
    expect(desk.get_by_role("heading", name="Robin Ash", level=1)).to_be_visible()
    expect(desk.locator(".loading")).to_have_count(0)

    header = desk.locator("main .facts").first
    expect(header).to_contain_text("Next integration session:")
    expect(header).to_contain_text("Next dosing:")
    expect(header.locator("time")).to_have_count(2)
    callout = desk.get_by_role("region", name="1 open flag")
    expect(callout).to_contain_text("1 urgent.")
    expect(callout.get_by_role("link", name="session brief")).to_have_attribute(
        "href", f"#/patients/{practice.robin}/brief"
    )

    paths = [path.split("?")[0] for path in asked if path.startswith("/patients")]
    assert f"/patients/{practice.robin}" in paths
    assert not [path for path in paths if path.endswith("/brief")], paths
    assert "/patients" not in paths, paths

    summaries = fresh_rows(AuditEvent, action="patient_summary_read")
    assert [(event.patient_id, event.actor_id) for event in summaries] == [
        (practice.robin, practice.therapist_id)
    ]
    assert fresh_rows(AuditEvent, action="brief_read") == []
    assert len(fresh_rows(AuditEvent, action="caseload_read")) == caseload_reads

    desk.emulate_media(reduced_motion="reduce")
    for scheme in ("light", "dark"):
        desk.emulate_media(color_scheme=scheme)
        desk.wait_for_timeout(300)
        check_accessibility(desk, f"patient page header ({scheme})")
    desk.emulate_media(color_scheme="light")
    expect(desk.get_by_role("link", name=re.compile(r"Flags, 2 open"))).to_be_visible()
    assert console_errors == []
