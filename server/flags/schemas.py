"""Request and response shapes of flags."""

from marshmallow import fields

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
