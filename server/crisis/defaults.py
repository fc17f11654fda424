"""The built-in crisis resources by country.

The lists live in one file, `pwa/js/crisis-defaults.js`, which the patient app
imports to work with no network; this module reads the same file, so the app
and the server never disagree about a number.
"""

import json
from functools import cache
from pathlib import Path

from server.countries import country_names

DEFAULTS_FILE = Path(__file__).resolve().parents[2] / "pwa" / "js" / "crisis-defaults.js"
#: The app's module is `export default <JSON>;`.
_PREFIX = "export default "


@cache
def data() -> dict:
    """`{"countries": {code: {name, emergency, resources, zones}}, "fallback": {...}}`."""
    text = DEFAULTS_FILE.read_text(encoding="utf-8")
    start = text.index(_PREFIX) + len(_PREFIX)
    return json.loads(text[start:].strip().removesuffix(";"))


def country_name(country: str | None) -> str:
    """Our own name for a country with a built-in list, else the tz database's."""
    known = data()["countries"].get(country or "")
    if known:
        return known["name"]
    return country_names().get(country or "", data()["fallback"]["name"])


def built_in(country: str | None) -> dict:
    """The built-in list for a country: `{country, country_name, emergency, resources}`.

    A country without a list of its own gets the fallback: 112 and a
    directory of helplines.
    """
    chosen = data()["countries"].get(country or "") or data()["fallback"]
    return {
        "country": country,
        "country_name": country_name(country),
        "emergency": dict(chosen["emergency"]),
        "resources": [dict(resource) for resource in chosen["resources"]],
    }
