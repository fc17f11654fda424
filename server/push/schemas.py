"""What the PWA sends and receives about Web Push."""

from datetime import UTC, datetime

from marshmallow import ValidationError, fields, validate, validates

from server.fields import AwareDateTime, Schema
from server.push import services


class KeysSchema(Schema):
    p256dh = fields.String(required=True, validate=validate.Length(max=200))
    auth = fields.String(required=True, validate=validate.Length(max=100))

    @validates("p256dh")
    def _p256dh(self, value, **_):
        problem = services.p256dh_problem(value)
        if problem:
            raise ValidationError(problem)

    @validates("auth")
    def _auth(self, value, **_):
        problem = services.auth_problem(value)
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
        problem = services.endpoint_problem(endpoint)
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
