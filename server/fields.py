"""Schema base and fields shared by every feature's schemas."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import marshmallow as ma
from marshmallow import ValidationError, fields, validate

#: Names the system offers as zones that are not places: refused.
NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})
#: Any time the API accepts lies in these years; outside them a UTC offset
#: could not even be applied (year 1 minus an hour), and nothing real is there.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


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
        _ZONES = frozenset(
            name
            for name in available_timezones()
            if name not in NOT_ZONES and not name.startswith(("posix/", "right/"))
        )
    return _ZONES


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class TimeZone(fields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=validate_time_zone, **kwargs)


class Fingerprint(fields.String):
    """The `version` of something kept whole (`server.db.fingerprint`), e.g. a clinic's
    "list": given with it, and sent back when saving it."""

    def __init__(self, what: str, **kwargs):
        super().__init__(
            load_default=None,
            validate=validate.Length(max=64),
            metadata={
                "description": f"The {what} as read; send it back when saving, and a {what} "
                "changed since by someone else is a 409 with nothing saved."
            },
            **kwargs,
        )


class AwareDateTime(fields.AwareDateTime):
    """ISO 8601 with an offset, always; a time without one is refused, and so
    is one outside the years 1900 to 2200 (or that UTC cannot hold)."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            in_utc = moment.astimezone(UTC)
        except (OverflowError, ValueError):
            in_utc = None
        if in_utc is None or not EARLIEST_YEAR <= in_utc.year < LATEST_YEAR:
            raise ValidationError(f"Must lie between the years {EARLIEST_YEAR} and {LATEST_YEAR}.")
        return moment


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


def _account_created_at() -> datetime | None:
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user.is_authenticated:
        return current_user.created_at
    return None


def device_time_error(value: datetime, now: datetime | None = None) -> str | None:
    """Why a device-reported time is refused, or None.

    Refused: ahead of the server's clock by more than the skew (far less than
    a day), and before the signed-in account existed (less the same skew).
    """
    now = now or _utcnow()
    created_at = _account_created_at()
    if created_at is not None and value < created_at - _skew():
        return "Cannot be before your account was made."
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


def many(schema, description: str | None = None) -> fields.List:
    """A list of `schema` objects, described for the API document."""
    metadata = {"description": description} if description is not None else {}
    return fields.List(fields.Nested(schema), metadata=metadata)


class Cursor(Schema):
    """Query arguments of every paged list."""

    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


class Page(Schema):
    """What every paged list answers: its `items` (each list declares them) and where next."""

    next_cursor = fields.String(
        allow_none=True,
        metadata={"description": "Pass as `cursor` for the next page; null on the last one."},
    )
