"""The service worker's precache list and its version hash.

`python -m tests.browser.shell --write` sets VERSION in pwa/sw.js to the hash
of the shell files; the tests fail when it is stale, so a changed file always
gets a new cache name and reaches patients.
"""

import hashlib
import re
import sys
from pathlib import Path

PWA = Path(__file__).resolve().parents[2] / "pwa"
SW = PWA / "sw.js"


def shell_urls() -> list[str]:
    source = SW.read_text()
    block = re.search(r"const SHELL = \[(.*?)\];", source, re.S).group(1)
    return re.findall(r'"([^"]+)"', block)


def shell_file(url: str) -> Path:
    return PWA / ("index.html" if url == "/" else url.lstrip("/"))


def shell_hash() -> str:
    digest = hashlib.sha256()
    for url in shell_urls():
        digest.update(url.encode() + b"\0" + shell_file(url).read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def current_version() -> str:
    return re.search(r'const VERSION = "([0-9a-f]+)";', SW.read_text()).group(1)


def write() -> str:
    version = shell_hash()
    source = SW.read_text()
    SW.write_text(re.sub(r'const VERSION = "[0-9a-f]+";', f'const VERSION = "{version}";', source))
    return version


if __name__ == "__main__":
    if "--write" in sys.argv:
        print(write())
    else:
        print(current_version(), shell_hash())
