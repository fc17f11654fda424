"""What the PWA sends and receives about Web Push."""

from datetime import UTC, datetime

from marshmallow import ValidationError, fields, validate, validates

from server.fields import AwareDateTime, Fingerprint, Schema
from server.push import subscriptions

#: Bounds of a clinic's prompt times around a dosing session (days from its date).
SLOT_DAYS_MIN, SLOT_DAYS_MAX = -7, 30
SLOT_COUNT_MAX = 10


class KeysSchema(Schema):
    p256dh = fields.String(required=True, validate=validate.Length(max=200))
    auth = fields.String(required=True, validate=validate.Length(max=100))

    @validates("p256dh")
    def _p256dh(self, value, **_):
        problem = subscriptions.p256dh_problem(value)
        if problem:
            raise ValidationError(problem)

    @validates("auth")
    def _auth(self, value, **_):
        problem = subscriptions.auth_problem(value)
        if problem:
            raise ValidationError(problem)


class EndpointField(fields.String):
    def __init__(self, **kwargs):
        super().__init__(
            required=True,
            validate=validate.Length(min=1, max=2048),
            metadata={"description": "The push service URL of this device's subscription."},
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        endpoint = super()._deserialize(value, attr, data, **kwargs)
        problem = subscriptions.endpoint_problem(endpoint)
        if problem:
            raise ValidationError(problem)
        return endpoint


class EpochMilliseconds(fields.Float):
    """`PushSubscription.expirationTime`: milliseconds since the epoch, or null."""

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        try:
            return datetime.fromtimestamp(number / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValidationError("Not a time in milliseconds since the epoch.") from None


class SubscriptionSchema(Schema):
    """The browser's `PushSubscription.toJSON()`, as it is."""

    endpoint = EndpointField()
    keys = fields.Nested(KeysSchema, required=True)
    expiration_time = EpochMilliseconds(
        data_key="expirationTime", allow_none=True, load_default=None
    )


class SubscriptionStoredSchema(Schema):
    id = fields.UUID()
    created_at = AwareDateTime()
    expiration_time = AwareDateTime(allow_none=True)


class UnsubscribeSchema(Schema):
    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=2048))


class VapidKeySchema(Schema):
    public_key = fields.String(
        metadata={"description": "base64url uncompressed P-256 point: the applicationServerKey."}
    )


class PromptSlotSchema(Schema):
    """One prompt around every dosing session: `days` after the session's local
    date (negative: before), at the patient's local time `at`."""

    name = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=32),
            validate.Regexp(
                r"^[a-z0-9_]+$", error="Use lower-case letters, digits and underscores."
            ),
        ],
        metadata={"description": "A name for this prompt, unique in the list, e.g. day_3."},
    )
    days = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=SLOT_DAYS_MIN, max=SLOT_DAYS_MAX),
        metadata={"description": "Days after the session's local date; -1 is the day before."},
    )
    at = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error="A local time as HH:MM (24-hour)."
        ),
        metadata={"description": "The patient's local time, HH:MM.", "example": "19:00"},
    )


class ClinicPushScheduleSchema(Schema):
    """When a clinic's patients are prompted around each dosing session."""

    session_prompts = fields.List(
        fields.Nested(PromptSlotSchema),
        required=True,
        allow_none=True,
        validate=validate.Length(max=SLOT_COUNT_MAX),
        metadata={
            "description": "The prompts around each dosing session; null restores the defaults."
        },
    )
    customised = fields.Boolean(
        dump_only=True, metadata={"description": "False while the clinic uses the defaults."}
    )
    version = Fingerprint("schedule")

    @validates("session_prompts")
    def _unique_names(self, value, **_):
        # An item whose own fields failed may arrive without them; those errors stand.
        names = [slot.get("name") for slot in value or [] if slot.get("name")]
        if len(names) != len(set(names)):
            raise ValidationError("Each prompt needs a name of its own.")
