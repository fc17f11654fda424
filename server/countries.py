"""Countries (ISO 3166 alpha-2) and the country of a time zone, from the tz database.

`tzdata`'s `iso3166.tab` names every code it knows and `zone.tab` gives each
zone's country; its aliases ("US/Eastern", "Asia/Calcutta") count as the zone
they name. Zones of no country (UTC, Etc/GMT+5) have none.
"""

import importlib.resources
from functools import cache


def _tz_file(name: str) -> str:
    return importlib.resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")


def _rows(name: str):
    for line in _tz_file(name).splitlines():
        if line and not line.startswith("#"):
            yield line.split("\t")


@cache
def country_names() -> dict[str, str]:
    """Every country code the tz database knows, with its English name, by name."""
    return dict(sorted(((row[0], row[1]) for row in _rows("iso3166.tab")), key=lambda p: p[1]))


@cache
def _zone_countries() -> dict[str, str]:
    zones = {row[2]: row[0] for row in _rows("zone.tab")}
    for line in _tz_file("tzdata.zi").splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()
            if target in zones:
                zones.setdefault(alias, zones[target])
    return zones


def zone_country(time_zone: str | None) -> str | None:
    """The country of an IANA time zone, or None for a zone of no country."""
    return _zone_countries().get(time_zone or "")


def validate_country(value: str) -> None:
    from marshmallow import ValidationError

    if value not in country_names():
        raise ValidationError("Not a country code, such as US, GB or AU.")
