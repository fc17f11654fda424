"""The patient's first load stays under 100 KB of JavaScript and CSS, gzip-compressed."""

import gzip

from playwright.sync_api import expect

from tests.browser import shell
from tests.browser.helpers import sign_in_via_api, wait_for_service_worker

BUDGET = 100 * 1024


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def test_first_load_is_under_budget(page, live_server, care_team, record_property):
    fetched = {}

    def keep(response):
        if response.request.resource_type in ("script", "stylesheet"):
            fetched[response.url] = response.body()

    page.on("response", keep)
    sign_in_via_api(page, live_server, care_team[2])
    page.goto(live_server + "/#/today")
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    wait_for_service_worker(page)
    page_bytes = sum(gzipped(body) for body in fetched.values())

    # The service worker also precaches every screen; count the whole shell too.
    shell_bytes = sum(
        gzipped(shell.shell_file(url).read_bytes())
        for url in [*shell.shell_urls(), "/js/push.js"]
        if url.endswith((".js", ".css"))
    )
    record_property("first_load_js_css_gzip_bytes", page_bytes)
    record_property("shell_js_css_gzip_bytes", shell_bytes)
    print(f"\nfirst load JS+CSS gzip: {page_bytes} B; whole shell JS+CSS gzip: {shell_bytes} B")
    assert not [url for url in fetched if "/therapist/" in url]
    assert page_bytes < BUDGET
    assert shell_bytes < BUDGET
