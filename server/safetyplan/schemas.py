"""The safety plan's shapes."""

from marshmallow import fields, validate

from server.fields import AwareDateTime, Schema
from server.safetyplan.models import LINE_MAX, MAX_LINES, SECTIONS


def _line_list(**kwargs):
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=LINE_MAX)),
        validate=validate.Length(max=MAX_LINES),
        **kwargs,
    )


SectionsSchema = Schema.from_dict(
    {name: _line_list(load_default=list) for name in SECTIONS}, name="SafetyPlanSectionsSchema"
)


class SafetyPlanSchema(Schema):
    sections = fields.Nested(SectionsSchema)
    shared = fields.Boolean()
    version = fields.Integer(metadata={"description": "0 while no plan is written yet."})
    updated_at = AwareDateTime(allow_none=True)


class SafetyPlanPutSchema(Schema):
    sections = fields.Nested(SectionsSchema, required=True)
    shared = fields.Boolean(required=True)
    version = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "The version you read (0 for a first plan)."},
    )
