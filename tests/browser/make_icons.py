"""Render the PWA's PNG icons from SVG with the same Chromium the tests use.

Run from the repository root: `.venv/bin/python -m tests.browser.make_icons`.
The PNGs are committed; rerun after changing the artwork.
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

ICONS = Path(__file__).resolve().parents[2] / "pwa" / "icons"
BACKGROUND = "#3f5f5a"
INK = "#f3efe6"
GLYPH = (
    f'<path d="M16 40c8-16 24-16 32 0" stroke="{INK}" stroke-width="5" fill="none" '
    f'stroke-linecap="round"/><circle cx="32" cy="24" r="5" fill="{INK}"/>'
)


def svg(maskable: bool) -> str:
    if maskable:
        # Full bleed; the glyph sits well inside the 80 % safe circle.
        body = (
            f'<rect width="64" height="64" fill="{BACKGROUND}"/>'
            f'<g transform="translate(32 32) scale(0.62) translate(-32 -30)">{GLYPH}</g>'
        )
    else:
        body = f'<rect width="64" height="64" rx="14" fill="{BACKGROUND}"/>{GLYPH}'
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">{body}</svg>'


def render(page, markup: str, size: int, path: Path) -> None:
    page.set_viewport_size({"width": size, "height": size})
    page.set_content(
        "<!doctype html><html><body style='margin:0;background:transparent'>"
        f"<div style='width:{size}px;height:{size}px'>"
        + markup.replace("<svg ", f"<svg width='{size}' height='{size}' ")
        + "</div></body></html>"
    )
    clip = {"x": 0, "y": 0, "width": size, "height": size}
    page.screenshot(path=str(path), omit_background=True, clip=clip)


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(device_scale_factor=1)
        for size in (192, 512):
            render(page, svg(False), size, ICONS / f"icon-{size}.png")
            render(page, svg(True), size, ICONS / f"maskable-{size}.png")
        render(page, svg(True), 180, ICONS / "apple-touch-icon.png")
        browser.close()


if __name__ == "__main__":
    main()
