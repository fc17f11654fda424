"""The audit log as admins read it: identifiers, actions, times, places; never content."""

from marshmallow import fields, validate

from server.fields import AwareDateTime, Cursor, Schema


class AuditQuerySchema(Cursor):
    patient_id = fields.UUID(load_default=None)
    actor_id = fields.UUID(load_default=None)
    action = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    since = AwareDateTime(load_default=None, metadata={"description": "Inclusive."})
    until = AwareDateTime(load_default=None, metadata={"description": "Exclusive."})


class AuditEventSchema(Schema):
    id = fields.UUID()
    at = AwareDateTime()
    actor_id = fields.UUID(allow_none=True)
    actor_role = fields.String(allow_none=True)
    action = fields.String()
    patient_id = fields.UUID(allow_none=True)
    object_type = fields.String(allow_none=True)
    object_id = fields.UUID(allow_none=True)
    ip_address = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEventSchema))
    next_cursor = fields.String(
        allow_none=True, metadata={"description": "Pass as `cursor` for the next (older) page."}
    )
