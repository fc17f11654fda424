"""The patient app's page preloads every module the Today screen needs, so the
browser fetches them side by side instead of one import level at a time."""

import re
from pathlib import Path

PWA = Path(__file__).resolve().parent.parent / "pwa"
IMPORT = re.compile(r"""^\s*import\s+(?:[^'"]*?\sfrom\s+)?["']([^"']+)["'];?""", re.M)


def static_imports(start: str) -> list[str]:
    """`start` and every module it imports statically, transitively, as URLs."""
    seen, todo = [], [start]
    while todo:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.append(url)
        for name in IMPORT.findall((PWA / url.lstrip("/")).read_text()):
            todo.append(str((Path(url).parent / name).resolve()))
    return seen


def test_index_preloads_exactly_what_today_imports():
    page = (PWA / "index.html").read_text()
    preloaded = re.findall(r'<link rel="modulepreload" href="([^"]+)">', page)
    needed = set(static_imports("/js/app.js")) | set(static_imports("/js/screens/today.js"))
    assert len(preloaded) == len(set(preloaded))
    assert set(preloaded) == needed - {"/js/app.js"}
