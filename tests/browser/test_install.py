"""Installable and offline: manifest, icons, the service worker and its shell cache."""

import re
import struct
from pathlib import Path

from playwright.sync_api import expect

from tests.browser import shell
from tests.browser.helpers import cache_contents, open_app, wait_for_service_worker

PWA = Path(__file__).resolve().parents[2] / "pwa"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_the_manifest_makes_the_app_installable(page, live_server):
    response = page.request.get(live_server + "/manifest.webmanifest")
    assert response.ok
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] and manifest["short_name"] == "Between"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/") and manifest["scope"] == "/"
    assert manifest["theme_color"] and manifest["background_color"]
    found = {}
    for icon in manifest["icons"]:
        icon_response = page.request.get(live_server + icon["src"])
        assert icon_response.ok, icon["src"]
        if icon["type"] == "image/png":
            width, height = png_size(icon_response.body())
            assert f"{width}x{height}" == icon["sizes"]
            found[(icon["purpose"], width)] = True
    for purpose in ("any", "maskable"):
        for size in (192, 512):
            assert (purpose, size) in found, (purpose, size)
    assert any(icon["src"].endswith(".svg") for icon in manifest["icons"])


def test_the_service_worker_precaches_the_shell_and_never_api_answers(page, live_server, care_team):
    from tests.browser.helpers import sign_in_with_form

    sign_in_with_form(page, live_server, care_team[2])
    wait_for_service_worker(page)
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == live_server + "/"
    for route in ("/journal", "/measures", "/trend", "/settings"):
        open_app(page, live_server, route)
    caches = cache_contents(page)
    assert list(caches) == [f"between-shell-{shell.current_version()}"]
    cached = next(iter(caches.values()))
    assert set(shell.shell_urls()) <= set(cached)
    assert not [url for url in cached if url.startswith("/api/")]


def test_the_shell_version_is_the_hash_of_its_files():
    assert shell.current_version() == shell.shell_hash(), (
        "pwa/ changed: run `.venv/bin/python -m tests.browser.shell --write`"
    )


def test_every_patient_file_is_in_the_shell_and_no_therapist_code_is():
    urls = set(shell.shell_urls())
    shipped = {
        "/" + str(path.relative_to(PWA))
        for folder in ("js", "css", "icons")
        for path in (PWA / folder).rglob("*")
        if path.is_file()
    }
    assert shipped - urls - {"/js/push.js"} == set()
    assert not [url for url in urls if url.startswith("/therapist/")]
    for module in (PWA / "js").rglob("*.js"):
        imports = re.findall(r"""(?:from|import)\s*\(?\s*["']([^"']+)["']""", module.read_text())
        assert not [name for name in imports if "therapist" in name], module


def test_the_crisis_screen_opens_offline_signed_out(page, context, live_server):
    open_app(page, live_server, "/signin")
    wait_for_service_worker(page)
    context.set_offline(True)
    page.goto(f"{live_server}/#/crisis")
    expect(page.get_by_role("heading", name="Need help now?", level=1)).to_be_visible()
    # Never signed in, so nothing kept: the built-in list of the phone's country. This
    # phone's zone (UTC) has no country, so: 112 and a directory of helplines.
    expect(page.get_by_role("link", name="Call 112")).to_have_attribute("href", "tel:112")
    expect(page.get_by_role("link", name="Website")).to_have_attribute(
        "href", "https://findahelpline.com"
    )
    context.set_offline(False)
