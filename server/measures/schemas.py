"""Request and response shapes of the measures API."""

from marshmallow import fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from server.fields import AwareDateTime, Cursor, Schema
from server.measures.scoring import INSTRUMENTS


class ItemSchema(Schema):
    number = fields.Integer(metadata={"description": "1-based, as printed on the form."})
    text = fields.String()


class OptionSchema(Schema):
    value = fields.Integer()
    label = fields.String()


class BandSchema(Schema):
    min = fields.Integer()
    max = fields.Integer()
    label = fields.String()


class ThresholdSchema(Schema):
    label = fields.String()
    cutoff = fields.Integer()
    met = fields.Boolean(allow_none=True)


class DefinitionSchema(Schema):
    instrument = fields.String()
    name = fields.String()
    title = fields.String()
    instructions = fields.String()
    recall_period = fields.String()
    stem = fields.String(allow_none=True, metadata={"description": "PCL-5: printed before items."})
    items = fields.List(fields.Nested(ItemSchema))
    options = fields.List(fields.Nested(OptionSchema))
    total_range = fields.List(fields.Integer())
    bands = fields.List(fields.Nested(BandSchema))
    threshold = fields.Nested(ThresholdSchema, allow_none=True)
    safety_item = fields.Integer(
        allow_none=True,
        metadata={"description": "Answered above 0, the app shows crisis resources at once."},
    )


class ResponseCreateSchema(Schema):
    id = fields.UUID(required=True, metadata={"description": "Made by the client; idempotency."})
    # Each item is checked against the instrument in the view, so every bad
    # item is named (`answers.8`) in one answer.
    answers = fields.List(
        fields.Raw(allow_none=True),
        required=True,
        metadata={"description": "One integer per item, in item order."},
    )
    completed_at = AwareDateTime(
        load_default=None, metadata={"description": "When answered; default: now."}
    )
    shared = fields.Boolean(
        load_default=None, metadata={"description": "Default: the patient's share_by_default."}
    )
    discuss_next_session = fields.Boolean(load_default=None)


class ResponseUpdateSchema(Schema):
    version = fields.Integer(required=True)
    shared = fields.Boolean()
    discuss_next_session = fields.Boolean()


class MarkersSchema(Schema):
    response = fields.Boolean(
        allow_none=True, metadata={"description": "PHQ-9: 50 % or more below baseline."}
    )
    remission = fields.Boolean(allow_none=True, metadata={"description": "PHQ-9: total below 5."})
    reliable_change = fields.String(
        allow_none=True,
        metadata={"description": "`worsened` or `improved` against the previous response."},
    )


class ResponseSchema(Schema):
    id = fields.UUID()
    instrument = fields.String()
    answers = fields.List(fields.Integer())
    completed_at = AwareDateTime()
    total = fields.Integer()
    severity = fields.String(allow_none=True)
    subscores = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True)
    threshold = fields.Nested(ThresholdSchema, allow_none=True)
    shared = fields.Boolean()
    discuss_next_session = fields.Boolean()
    version = fields.Integer()
    created_at = AwareDateTime()
    flags = fields.List(fields.String(), metadata={"description": "Kinds of flags raised."})
    show_crisis_resources = fields.Boolean()
    baseline_total = fields.Integer(allow_none=True)
    change_from_baseline = fields.Integer(allow_none=True)
    markers = fields.Nested(MarkersSchema)


class HistoryQuerySchema(Cursor):
    instrument = fields.String(load_default=None, validate=validate.OneOf(INSTRUMENTS))


class ResponsePageSchema(Schema):
    items = fields.List(fields.Nested(ResponseSchema))
    next_cursor = fields.String(allow_none=True)


class DueSchema(Schema):
    instrument = fields.String()
    reason = fields.String(metadata={"description": "baseline, before_dosing, weekly, monthly"})
    due_since = AwareDateTime()
    ketamine_session_id = fields.UUID(allow_none=True)


class DueListSchema(Schema):
    items = fields.List(fields.Nested(DueSchema))


class PlanSchema(Schema):
    patient_id = fields.UUID(dump_only=True)
    phq9 = fields.Boolean()
    gad7 = fields.Boolean()
    pcl5 = fields.Boolean()
    updated_at = AwareDateTime(dump_only=True, allow_none=True)

    @validates_schema
    def something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError("Send at least one of phq9, gad7, pcl5.", "_schema")
