"""Request and response shapes of flags and crisis resources."""

from marshmallow import fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from server.fields import AwareDateTime, Cursor, Schema


class FlagSchema(Schema):
    id = fields.UUID()
    patient_id = fields.UUID()
    patient_display_name = fields.String()
    kind = fields.String(
        metadata={
            "description": "phq9_item9, phq9_severe, reliable_worsening, mood_drop, missed_checkins"
        }
    )
    severity = fields.String(metadata={"description": "urgent or warning"})
    description = fields.String()
    source_type = fields.String(
        allow_none=True, metadata={"description": "Null while the source is not shared."}
    )
    source_id = fields.UUID(allow_none=True)
    raised_at = AwareDateTime()
    acknowledged_at = AwareDateTime(allow_none=True)
    acknowledged_by_id = fields.UUID(allow_none=True)


class AcknowledgedFlagSchema(FlagSchema):
    seconds_to_acknowledge = fields.Integer(allow_none=True)


class FlagQuerySchema(Cursor):
    patient_id = fields.UUID(load_default=None)


class FlagPageSchema(Schema):
    items = fields.List(fields.Nested(FlagSchema))
    next_cursor = fields.String(allow_none=True)


class FlagSummarySchema(Schema):
    open = fields.Integer(metadata={"description": "open flags across my caseload"})
    urgent = fields.Integer(metadata={"description": "of them, urgent"})


class CrisisResourceSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    phone = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    sms = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    url = fields.Url(load_default=None, schemes={"https"}, validate=validate.Length(max=300))
    description = fields.String(load_default=None, validate=validate.Length(max=300))

    @validates_schema
    def reachable(self, data, **kwargs):
        if not (data.get("phone") or data.get("sms") or data.get("url")):
            raise ValidationError("Give a phone, an SMS number or a link.", "phone")


class CrisisResourcesSchema(Schema):
    resources = fields.List(
        fields.Nested(CrisisResourceSchema),
        required=True,
        validate=validate.Length(min=1, max=20),
    )
    message = fields.String(load_default=None, validate=validate.Length(max=500))
    include_clinic_phone = fields.Boolean(
        load_default=True, metadata={"description": "List the clinic's phone after these."}
    )
    customised = fields.Boolean(dump_only=True)
