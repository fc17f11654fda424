"""Schema base and fields shared by every feature's schemas."""

from datetime import datetime, timedelta
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


# --- times a device reports --------------------------------------------------
#
# One rule for every time a phone says something happened (check-ins,
# entries, questionnaires; written offline, so any time in the past is
# fine). A phone's clock may run a little fast: up to CLOCK_SKEW_SECONDS
# (15 minutes) ahead of the server is accepted, and stored as the server's
# now, with what the phone said kept beside it (`device_time`). Further
# ahead is refused with a message saying the device's clock is wrong; the
# patient app corrects its times by the server's clock before that happens.


def _skew() -> timedelta:
    from flask import current_app

    return timedelta(seconds=current_app.config["CLOCK_SKEW_SECONDS"])


def _utcnow() -> datetime:
    from server.db import utcnow

    return utcnow()


def device_time_error(value: datetime, now: datetime | None = None) -> str | None:
    """Why a device-reported time is refused, or None."""
    now = now or _utcnow()
    if value > now + _skew():
        minutes = int(_skew().total_seconds() // 60)
        unit = "minute" if minutes == 1 else "minutes"
        return (
            f"More than {minutes} {unit} ahead of the server's clock: "
            "check the device's date and time."
        )
    return None


def not_ahead_of_server(value: datetime) -> None:
    """A marshmallow validator: `device_time_error` as a ValidationError."""
    if message := device_time_error(value):
        raise ValidationError(message)


def clamp_device_time(value: datetime, now: datetime | None = None):
    """`(time to store, what the device said if it was ahead, else None)`.

    The stored time keeps the device's UTC offset, so it still reads as the
    patient's local time.
    """
    now = now or _utcnow()
    if value <= now:
        return value, None
    return now.astimezone(value.tzinfo), value


class DeviceTime(AwareDateTime):
    """A time the patient's device reports: any past time, or up to the clock skew ahead."""

    def __init__(self, **kwargs):
        super().__init__(validate=not_ahead_of_server, **kwargs)


class Cursor(Schema):
    """Query arguments of every paged list."""

    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))
