"""The companion's request and response shapes (patient's and therapist's views apart)."""

from marshmallow import fields, validate

from server.care.models import ROUTES, SETTINGS
from server.companion import after_dose
from server.companion.checklist import ITEM_TEXT_MAX, MAX_ITEMS
from server.companion.models import INTENTION_MAX, REFLECTION_MAX
from server.fields import AwareDateTime, Fingerprint, Page, Schema, many

_TEXT = {"required": True, "validate": validate.Length(min=1, max=INTENTION_MAX)}


# -- sessions ahead ------------------------------------------------------------------------------


class SessionAheadSchema(Schema):
    id = fields.UUID()
    kind = fields.String(metadata={"description": "dosing or integration"})
    scheduled_at = AwareDateTime()
    status = fields.String()
    place = fields.String(metadata={"description": "The clinic's name, or At home."})
    route = fields.String(
        validate=validate.OneOf(ROUTES), metadata={"description": "Dosing sessions only."}
    )
    setting = fields.String(validate=validate.OneOf(SETTINGS))
    duration_minutes = fields.Integer(metadata={"description": "Integration sessions only."})


class ChecklistItemSchema(Schema):
    key = fields.String()
    text = fields.String()
    home_only = fields.Boolean()
    done = fields.Boolean()


class ChecklistTickSchema(Schema):
    item = fields.String(required=True, validate=validate.Length(min=1, max=64))
    done = fields.Boolean(required=True)


class ChecklistSchema(Schema):
    ketamine_session_id = fields.UUID()
    items = fields.List(fields.Nested(ChecklistItemSchema))


class ClinicChecklistItemSchema(Schema):
    key = fields.String(
        validate=validate.Regexp(
            r"^[a-z0-9][a-z0-9-]{0,63}$", error="Lower-case letters, digits, -."
        ),
        metadata={
            "description": "Keep an item's key when changing its words; a new item "
            "may leave it out and gets one."
        },
    )
    text = fields.String(required=True, validate=validate.Length(min=1, max=ITEM_TEXT_MAX))
    home_only = fields.Boolean(load_default=False)


class ClinicChecklistSchema(Schema):
    items = fields.List(
        fields.Nested(ClinicChecklistItemSchema),
        required=True,
        allow_none=True,
        validate=validate.Length(min=1, max=MAX_ITEMS),
        metadata={"description": "In the order shown; null goes back to the built-in list."},
    )
    customised = fields.Boolean(
        dump_only=True, metadata={"description": "False while the clinic uses the built-in list."}
    )
    version = Fingerprint("list")


# -- intentions ----------------------------------------------------------------------------------


class _WritingSchema(Schema):
    """What an intention and a reflection share: the patient's words and their sharing."""

    id = fields.UUID()
    body = fields.String()
    written_at = AwareDateTime(attribute="written_at_local")
    shared = fields.Boolean()
    discuss_next_session = fields.Boolean()
    version = fields.Integer()


class ReflectionSchema(_WritingSchema):
    intention_id = fields.UUID()


class IntentionSchema(_WritingSchema):
    ketamine_session_id = fields.UUID()


class IntentionWithReflectionsSchema(IntentionSchema):
    reflections = fields.List(fields.Nested(ReflectionSchema))


class IntentionListSchema(Page):
    items = fields.List(fields.Nested(IntentionWithReflectionsSchema))


class _WritingCreateSchema(Schema):
    """What a new intention and a new reflection both send, beside their link and words."""

    id = fields.UUID(required=True)
    written_at = AwareDateTime()
    shared = fields.Boolean()
    discuss_next_session = fields.Boolean()


class IntentionCreateSchema(_WritingCreateSchema):
    ketamine_session_id = fields.UUID(required=True)
    body = fields.String(**_TEXT)


class IntentionChangeSchema(Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    body = fields.String(validate=validate.Length(min=1, max=INTENTION_MAX))
    shared = fields.Boolean()
    discuss_next_session = fields.Boolean()


class SharingChangeSchema(Schema):
    """Who sees one of my items: shared with my care team or private."""

    version = fields.Integer(required=True, validate=validate.Range(min=1))
    shared = fields.Boolean(required=True)


class ReflectionCreateSchema(_WritingCreateSchema):
    intention_id = fields.UUID(required=True)
    body = fields.String(required=True, validate=validate.Length(min=1, max=REFLECTION_MAX))


# -- the check after a dose ----------------------------------------------------------------------


def _answers_schema():
    attrs = {
        name: fields.String(required=True, validate=validate.OneOf(choices))
        for name, choices in after_dose.CHOICES.items()
    }
    attrs |= {name: fields.Boolean(required=True) for name in after_dose.YES_NO}
    return Schema.from_dict(attrs, name="AfterDoseAnswersSchema")


AfterDoseAnswersSchema = _answers_schema()


class AdviceSchema(Schema):
    level = fields.String(metadata={"description": "emergency, call_clinic or note"})
    text = fields.String()


class AfterDoseCheckSchema(Schema):
    id = fields.UUID()
    ketamine_session_id = fields.UUID()
    answered_at = AwareDateTime(attribute="answered_at_local")
    answers = fields.Nested(AfterDoseAnswersSchema)
    alerts = fields.List(fields.String())
    red = fields.Boolean()
    advice = fields.Method("_advice")
    shared = fields.Boolean()
    discuss_next_session = fields.Boolean()
    version = fields.Integer()

    def _advice(self, check):
        return [{"level": a.level, "text": a.text} for a in after_dose.advice(check.alerts)]


class AfterDoseCheckListSchema(Page):
    items = fields.List(fields.Nested(AfterDoseCheckSchema))


class AfterDoseCheckCreateSchema(Schema):
    id = fields.UUID(required=True)
    ketamine_session_id = fields.UUID(required=True)
    answered_at = AwareDateTime()
    answers = fields.Nested(AfterDoseAnswersSchema, required=True)
    shared = fields.Boolean()
    discuss_next_session = fields.Boolean()


# -- the patient's summary ------------------------------------------------------------------------


class IntentionBackSchema(Schema):
    ketamine_session_id = fields.UUID()
    intention = fields.Nested(IntentionSchema)


class CheckDueSchema(Schema):
    ketamine_session_id = fields.UUID()
    scheduled_at = AwareDateTime()
    due_at = AwareDateTime()


class DosingDaySchema(Schema):
    ketamine_session_id = fields.UUID()
    scheduled_at = AwareDateTime()
    prompts_from = AwareDateTime(
        metadata={"description": "Dosing-day prompts and reminders wait until then."}
    )


class CompanionSchema(Schema):
    upcoming = fields.List(fields.Nested(SessionAheadSchema))
    next_dosing = fields.Nested(SessionAheadSchema, allow_none=True)
    next_integration = fields.Nested(SessionAheadSchema, allow_none=True)
    checklist = fields.List(fields.Nested(ChecklistItemSchema), allow_none=True)
    intention = fields.Nested(IntentionSchema, allow_none=True)
    intention_back = fields.Nested(IntentionBackSchema, allow_none=True)
    after_dose_check = fields.Nested(CheckDueSchema, allow_none=True)
    dosing_day = fields.Nested(DosingDaySchema, allow_none=True)
    clinic_name = fields.String()
    clinic_phone = fields.String(allow_none=True)


# -- the care team's view, per dose ----------------------------------------------------------------


class SharedTextSchema(Schema):
    """An intention, or what was written back about it, as the care team reads it."""

    id = fields.UUID()
    body = fields.String()
    written_at = AwareDateTime()


class SharedCheckSchema(Schema):
    """A shared check after a dose as the care team reads it."""

    id = fields.UUID()
    answered_at = AwareDateTime()
    answers = fields.Nested(AfterDoseAnswersSchema)
    alerts = fields.List(
        fields.String(),
        metadata={
            "description": "chest_pain, lasting_over_24h, urinary_blood, outside_plan, "
            "urinary_repeated, heart, drove"
        },
    )
    red = fields.Boolean()


class DoseViewSchema(Schema):
    ketamine_session_id = fields.UUID()
    scheduled_at = AwareDateTime()
    route = fields.String()
    dose_mg = fields.Float(allow_none=True)
    setting = fields.String()
    status = fields.String()
    intention = fields.Nested(SharedTextSchema, allow_none=True)
    reflections = fields.List(fields.Nested(SharedTextSchema))
    checklist = fields.List(fields.Nested(ChecklistItemSchema))
    checklist_open = fields.Integer(metadata={"description": "Items not ticked yet."})
    after_dose_check = fields.Nested(SharedCheckSchema, allow_none=True)


class CareTeamCompanionSchema(Schema):
    doses = many(DoseViewSchema, "The next dosing session, then the latest ones, newest first.")


class ChecklistTickExportSchema(Schema):
    ketamine_session_id = fields.UUID()
    item_key = fields.String()
    ticked_at = AwareDateTime()


class CompanionExportSchema(Schema):
    """What the patient's own export holds of the companion."""

    intentions = fields.List(fields.Nested(IntentionSchema))
    intention_reflections = fields.List(fields.Nested(ReflectionSchema))
    after_dose_checks = fields.List(fields.Nested(AfterDoseCheckSchema))
    checklist_ticks = fields.List(fields.Nested(ChecklistTickExportSchema))
