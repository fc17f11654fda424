"""Schedule schemas. The patient's and the therapist's views are separate field sets."""

from datetime import UTC, datetime, timedelta

from marshmallow import ValidationError, fields, validate, validates_schema

from server.care.models import (
    DEFAULT_INTEGRATION_MINUTES,
    MAX_DOSE_MG,
    MAX_INTEGRATION_MINUTES,
    ROUTES,
    SETTINGS,
    STATUSES,
)
from server.care.phase import PHASES
from server.db import utcnow
from server.fields import AwareDateTime, Cursor, Page, Schema

# A session more than this far ahead is a typo in the year, not a plan.
MAX_LEAD = timedelta(days=2 * 366)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def validate_session_time(value: datetime) -> None:
    if value < EARLIEST or value > utcnow() + MAX_LEAD:
        raise ValidationError("Must be after 2000 and at most two years ahead.")


class SessionTime(AwareDateTime):
    """When a session takes place: with an offset, after 2000, at most two years ahead."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate_session_time, **kwargs)


class Dose(fields.Float):
    """Milligrams, 0.01 to MAX_DOSE_MG (marshmallow itself refuses booleans and NaN)."""

    def __init__(self, **kwargs):
        super().__init__(
            allow_none=True,
            # Stored to 0.01 mg, so anything smaller would round to an impossible 0.
            validate=validate.Range(min=0.01, max=MAX_DOSE_MG),
            metadata={"description": f"Milligrams, optional; 0.01 to {MAX_DOSE_MG}."},
            **kwargs,
        )


class Version(fields.Integer):
    def __init__(self, **kwargs):
        super().__init__(
            required=True,
            strict=True,
            validate=validate.Range(min=1),
            metadata={"description": "The version last read; a stale one is refused (409)."},
            **kwargs,
        )


class ConfirmOverlap(fields.Boolean):
    def __init__(self, **kwargs):
        super().__init__(
            load_default=False,
            metadata={
                "description": "Book even though another session of the patient overlaps "
                "or is on the same day; without it such a booking is refused (409)."
            },
            **kwargs,
        )


# -- dosing sessions ---------------------------------------------------------


class DosingSessionCreateSchema(Schema):
    id = fields.UUID(
        load_default=None,
        metadata={"description": "Client-made id; replaying the same request returns it (200)."},
    )
    scheduled_at = SessionTime(required=True)
    route = fields.String(required=True, validate=validate.OneOf(ROUTES))
    dose_mg = Dose(load_default=None)
    setting = fields.String(load_default="clinic", validate=validate.OneOf(SETTINGS))
    status = fields.String(
        load_default="scheduled",
        validate=validate.OneOf(STATUSES[:2]),
        metadata={"description": "`completed` records a session that already took place."},
    )
    confirm_overlap = ConfirmOverlap()


class DosingSessionChangeSchema(Schema):
    version = Version()
    scheduled_at = SessionTime()
    route = fields.String(validate=validate.OneOf(ROUTES))
    dose_mg = Dose()
    setting = fields.String(validate=validate.OneOf(SETTINGS))
    status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={"description": "`cancelled` cancels the session; the row is kept."},
    )
    confirm_overlap = ConfirmOverlap()


class DosingSessionSchema(Schema):
    """A dosing session as the patient sees it."""

    id = fields.UUID()
    patient_id = fields.UUID()
    scheduled_at = AwareDateTime()
    route = fields.String()
    dose_mg = fields.Float(allow_none=True)
    setting = fields.String()
    status = fields.String()
    version = fields.Integer()
    updated_at = AwareDateTime()


class TherapistDosingSessionSchema(DosingSessionSchema):
    created_by_id = fields.UUID(allow_none=True)
    created_at = AwareDateTime()


def _follows(**kwargs):
    return fields.List(
        fields.UUID(),
        validate=[validate.Length(max=10), _unique],
        metadata={
            "description": "The patient's dosing sessions this integration session follows "
            "(not cancelled, at or before it)."
        },
        **kwargs,
    )


def _unique(values: list) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("List each dosing session once.")


# -- integration sessions ----------------------------------------------------


class Duration(fields.Integer):
    def __init__(self, **kwargs):
        super().__init__(
            strict=True,
            validate=validate.Range(min=5, max=MAX_INTEGRATION_MINUTES),
            metadata={"description": "Minutes."},
            **kwargs,
        )


class IntegrationSessionCreateSchema(Schema):
    id = fields.UUID(
        load_default=None,
        metadata={"description": "Client-made id; replaying the same request returns it (200)."},
    )
    scheduled_at = SessionTime(required=True)
    duration_minutes = Duration(load_default=DEFAULT_INTEGRATION_MINUTES)
    status = fields.String(load_default="scheduled", validate=validate.OneOf(STATUSES[:2]))
    follows_ketamine_session_ids = _follows(load_default=list)
    confirm_overlap = ConfirmOverlap()


class IntegrationSessionChangeSchema(Schema):
    version = Version()
    scheduled_at = SessionTime()
    duration_minutes = Duration()
    status = fields.String(validate=validate.OneOf(STATUSES))
    follows_ketamine_session_ids = _follows()
    confirm_overlap = ConfirmOverlap()


class IntegrationSessionSchema(Schema):
    """An integration session as the patient sees it."""

    id = fields.UUID()
    patient_id = fields.UUID()
    therapist_id = fields.UUID(allow_none=True)
    scheduled_at = AwareDateTime()
    duration_minutes = fields.Integer()
    status = fields.String()
    follows_ketamine_session_ids = fields.Function(
        lambda session: [str(dose.id) for dose in session.follows],
        metadata={
            "type": "array",
            "items": {"type": "string", "format": "uuid"},
            "description": "The dosing sessions it follows, oldest first.",
        },
    )
    version = fields.Integer()
    updated_at = AwareDateTime()


class TherapistIntegrationSessionSchema(IntegrationSessionSchema):
    created_at = AwareDateTime()


# -- lists and phase -----------------------------------------------------------


def validate_query_time(value: datetime) -> None:
    # Year 1 at +05:00 is before year 1 in UTC: no database can take it.
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValidationError("Out of range.") from None


def query_time(description: str) -> AwareDateTime:
    """An optional bound of a listed time window."""
    return AwareDateTime(
        load_default=None, validate=validate_query_time, metadata={"description": description}
    )


class TimeWindowQuery(Cursor):
    """A paged list's window, `since` (inclusive) to `until`; subclasses word the two."""

    @validates_schema
    def _ordered(self, data, **_kwargs):
        if data.get("since") and data.get("until") and data["until"] <= data["since"]:
            raise ValidationError("Must be after since.", "until")


class ScheduleQuerySchema(TimeWindowQuery):
    since = query_time("From this time on.")
    until = query_time("Before this time.")


class DosingSessionPageSchema(Page):
    items = fields.List(fields.Nested(DosingSessionSchema))


class TherapistDosingSessionPageSchema(Page):
    items = fields.List(fields.Nested(TherapistDosingSessionSchema))


class IntegrationSessionPageSchema(Page):
    items = fields.List(fields.Nested(IntegrationSessionSchema))


class TherapistIntegrationSessionPageSchema(Page):
    items = fields.List(fields.Nested(TherapistIntegrationSessionSchema))


class PhaseSchema(Schema):
    name = fields.String(metadata={"enum": list(PHASES)})
    ketamine_session_id = fields.UUID(
        allow_none=True, metadata={"description": "The dosing session this phase is about."}
    )
    ketamine_session_at = AwareDateTime(allow_none=True)
    time_zone = fields.String(metadata={"description": "The zone the local days are counted in."})
