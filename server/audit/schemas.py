"""The audit log as admins read it: who (ids and names), actions, times, places; never content."""

from marshmallow import fields, validate

from server.fields import AwareDateTime, Cursor, Schema


class AuditQuerySchema(Cursor):
    patient_id = fields.UUID(load_default=None)
    actor_id = fields.UUID(load_default=None)
    action = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    since = AwareDateTime(load_default=None, metadata={"description": "Inclusive."})
    until = AwareDateTime(load_default=None, metadata={"description": "Exclusive."})


def _name_of(whom: str) -> fields.String:
    return fields.String(
        allow_none=True,
        metadata={
            "description": f"The {whom}'s display name (their email if they have none); "
            f"null when the account is deleted or there is no {whom}."
        },
    )


class AuditEventSchema(Schema):
    id = fields.UUID()
    at = AwareDateTime()
    actor_id = fields.UUID(allow_none=True)
    actor_name = _name_of("actor")
    actor_role = fields.String(allow_none=True)
    action = fields.String()
    patient_id = fields.UUID(allow_none=True)
    patient_name = _name_of("patient")
    object_type = fields.String(allow_none=True)
    object_id = fields.UUID(allow_none=True)
    ip_address = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEventSchema))
    next_cursor = fields.String(
        allow_none=True, metadata={"description": "Pass as `cursor` for the next (older) page."}
    )


class AuditActionSchema(Schema):
    name = fields.String(metadata={"description": "as in an event's `action` and the filter"})
    description = fields.String()


class AuditActionListSchema(Schema):
    items = fields.List(fields.Nested(AuditActionSchema))
