"""Schema base and fields shared by every feature's schemas."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import marshmallow as ma
from marshmallow import ValidationError, fields


class Schema(ma.Schema):
    """Unknown fields are an error, so a typo is never silently ignored."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


def validate_time_zone(value: str) -> None:
    if value not in _zones():
        raise ValidationError("Not an IANA time zone, such as Europe/Berlin.")


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class TimeZone(fields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=validate_time_zone, **kwargs)


class AwareDateTime(fields.AwareDateTime):
    """ISO 8601 with an offset, always; a time without one is refused."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)


class Cursor(Schema):
    """Query arguments of every paged list."""

    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))
