"""Request and response shapes of flags."""

from marshmallow import fields, validate

from server.fields import AwareDateTime, Cursor, Page, Schema, many
from server.flags.models import KINDS, OUTCOMES

NOTE_MAX = 2000


class FlagSchema(Schema):
    id = fields.UUID()
    patient_id = fields.UUID()
    patient_display_name = fields.String()
    kind = fields.String(metadata={"description": ", ".join(KINDS)})
    severity = fields.String(metadata={"description": "urgent or warning"})
    description = fields.String()
    source_type = fields.String(
        allow_none=True,
        metadata={
            "description": "Null while the source is not shared, and always for an admin "
            "(on no care team): then the source's id and time, the item-9 level and the "
            "latest repeat are null too."
        },
    )
    source_id = fields.UUID(allow_none=True, metadata={"description": "What raised the flag."})
    source_at = AwareDateTime(
        allow_none=True, metadata={"description": "When the source was written; null if hidden."}
    )
    item9_level = fields.Integer(
        allow_none=True,
        metadata={"description": "PHQ-9 item 9 of a shared raising response (0-3), else null."},
    )
    item9_words = fields.String(
        allow_none=True, metadata={"description": "The item-9 level in the PHQ-9's words."}
    )
    days_since_last_dose = fields.Integer(
        allow_none=True,
        metadata={
            "description": "A relapse signal: whole days from the last dosing session to the "
            "response that raised it; null for other kinds or a hidden source."
        },
    )
    occurrences = fields.Integer(
        metadata={"description": "Causes this flag stands for: repeats while open update it."}
    )
    latest_source_id = fields.UUID(
        allow_none=True, metadata={"description": "The latest repeat's source, if shared."}
    )
    last_seen_at = AwareDateTime(allow_none=True)
    raised_at = AwareDateTime()
    escalated_at = AwareDateTime(
        allow_none=True,
        metadata={"description": "When it was escalated for being open past the clinic's time."},
    )
    acknowledged_at = AwareDateTime(allow_none=True)
    acknowledged_by_id = fields.UUID(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": ", ".join(OUTCOMES)})
    note = fields.String(
        allow_none=True, metadata={"description": "The acknowledging therapist's note."}
    )


class AcknowledgedFlagSchema(FlagSchema):
    seconds_to_acknowledge = fields.Integer(allow_none=True)


class AcknowledgeSchema(Schema):
    outcome = fields.String(
        required=True,
        validate=validate.OneOf(list(OUTCOMES)),
        metadata={"description": ", ".join(OUTCOMES)},
    )
    note = fields.String(
        load_default=None,
        validate=validate.Length(max=NOTE_MAX),
        metadata={"description": "Optional; encrypted at rest, never in a push or a log."},
    )


class FlagQuerySchema(Cursor):
    patient_id = fields.UUID(load_default=None)


class DeletionNoticeFlagsSchema(Schema):
    kind = fields.String()
    count = fields.Integer()


class DeletionNoticeSessionSchema(Schema):
    kind = fields.String(metadata={"description": "dosing_session or integration_session"})
    scheduled_at = fields.String()


class DeletionNoticeSchema(Schema):
    id = fields.UUID()
    patient_display_name = fields.String()
    account_deleted = fields.Boolean()
    deleted_at = AwareDateTime()
    open_flags = fields.List(fields.Nested(DeletionNoticeFlagsSchema))
    sessions = fields.List(fields.Nested(DeletionNoticeSessionSchema))


class FlagPageSchema(Page):
    items = fields.List(fields.Nested(FlagSchema))
    notices = many(
        DeletionNoticeSchema, "Patients who deleted their account with open flags (30 days)."
    )


class FlagRuleSchema(Schema):
    kind = fields.String()
    severity = fields.String()
    description = fields.String()
    rule = fields.String(metadata={"description": "What raises it, with its threshold."})
    repeats = fields.String(metadata={"description": "What a repeat does."})


class FlagRulesSchema(Schema):
    items = fields.List(fields.Nested(FlagRuleSchema))
    outcomes = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "key -> label"}
    )


class FlagSettingsSchema(Schema):
    escalate_after_hours = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=168),
        metadata={"description": "Escalate an urgent flag left open this long (1-168)."},
    )


class FlagSummarySchema(Schema):
    open = fields.Integer(metadata={"description": "open flags across my caseload"})
    urgent = fields.Integer(metadata={"description": "of them, urgent"})
