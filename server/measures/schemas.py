"""Request and response shapes of the measures API."""

from marshmallow import fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from server.fields import AwareDateTime, Cursor, Page, Schema, many
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


class DifficultySchema(Schema):
    text = fields.String()
    options = fields.List(fields.String())


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
    difficulty = fields.Nested(
        DifficultySchema,
        allow_none=True,
        metadata={"description": "The unscored item asked after the last one; value = index."},
    )
    clusters = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Integer()), allow_none=True
    )
    index_event = fields.String(
        allow_none=True,
        metadata={"description": 'PCL-5, to its patient: what "the stressful experience" means.'},
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
    difficulty = fields.Raw(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "PHQ-9 and GAD-7: the unscored difficulty item, the option's "
            "index (0-3); optional."
        },
    )


class ResponseUpdateSchema(Schema):
    version = fields.Integer(required=True)
    shared = fields.Boolean()
    discuss_next_session = fields.Boolean()


class ChangeSchema(Schema):
    kind = fields.String(
        metadata={
            "description": "reliable_change (PHQ-9, GAD-7), clinically_meaningful_change or "
            "possible_change (PCL-5)"
        }
    )
    label = fields.String()
    direction = fields.String(metadata={"description": "improved or worsened"})
    points = fields.Integer(metadata={"description": "The size of the change from baseline."})
    source = fields.String(metadata={"description": "Where the threshold comes from."})


class MarkersSchema(Schema):
    response = fields.Boolean(
        allow_none=True,
        metadata={
            "description": "PHQ-9, GAD-7: 50 % or more below a baseline of 10 or more; "
            "null where not judged."
        },
    )
    remission = fields.Boolean(
        allow_none=True,
        metadata={"description": "PHQ-9, GAD-7: below 5 after a baseline of 10 or more."},
    )
    reliable_change = fields.String(
        allow_none=True,
        metadata={"description": "PHQ-9, GAD-7: `worsened` or `improved` against the baseline."},
    )
    change = fields.Nested(ChangeSchema, allow_none=True)
    withheld = fields.String(
        allow_none=True,
        metadata={
            "description": "`safety_item`: response and remission are not shown while "
            "PHQ-9 item 9 is above 0."
        },
    )
    safety_item_answer = fields.Integer(
        allow_none=True, metadata={"description": "PHQ-9 item 9's answer when above 0."}
    )


class ResponseSchema(Schema):
    id = fields.UUID()
    instrument = fields.String()
    answers = fields.List(fields.Integer())
    difficulty = fields.Integer(allow_none=True)
    completed_at = AwareDateTime()
    total = fields.Integer()
    severity = fields.String(allow_none=True)
    subscores = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        allow_none=True,
        metadata={"description": "PCL-5 cluster sums B, C, D, E."},
    )
    provisional_diagnosis = fields.Boolean(
        allow_none=True,
        metadata={"description": "PCL-5 DSM-5 rule met: provisional, screening only."},
    )
    threshold = fields.Nested(ThresholdSchema, allow_none=True)
    shared = fields.Boolean()
    discuss_next_session = fields.Boolean()
    version = fields.Integer()
    created_at = AwareDateTime()
    flags = fields.List(fields.String(), metadata={"description": "Kinds of flags raised."})
    show_crisis_resources = fields.Boolean()
    series = fields.Integer(
        allow_none=True, metadata={"description": "The treatment series it belongs to."}
    )
    baseline_of_series = fields.Integer(
        allow_none=True, metadata={"description": "The series this response is the baseline of."}
    )
    baseline_total = fields.Integer(
        allow_none=True, metadata={"description": "The baseline of its treatment series."}
    )
    previous_total = fields.Integer(allow_none=True)
    nadir_total = fields.Integer(
        allow_none=True,
        metadata={"description": "The best total of the series before this response."},
    )
    change_from_baseline = fields.Integer(allow_none=True)
    markers = fields.Nested(MarkersSchema)


class HistoryQuerySchema(Cursor):
    instrument = fields.String(load_default=None, validate=validate.OneOf(INSTRUMENTS))


class ResponsePageSchema(Page):
    items = fields.List(fields.Nested(ResponseSchema))


class DueSchema(Schema):
    instrument = fields.String()
    reason = fields.String(
        metadata={"description": "asked, baseline, end_of_series, every_two_weeks, monthly"}
    )
    reason_text = fields.String(metadata={"description": "Why it is due, in plain words."})
    due_since = AwareDateTime()
    ketamine_session_id = fields.UUID(allow_none=True)


class DueListSchema(Schema):
    items = fields.List(fields.Nested(DueSchema))


class PlanSchema(Schema):
    patient_id = fields.UUID(dump_only=True)
    phq9 = fields.Boolean()
    gad7 = fields.Boolean()
    pcl5 = fields.Boolean()
    ask_now = fields.List(
        fields.String(validate=validate.OneOf(INSTRUMENTS)),
        load_only=True,
        metadata={"description": "Questionnaires the patient should fill now."},
    )
    index_event = fields.String(
        allow_none=True,
        validate=validate.Length(max=300),
        metadata={"description": 'PCL-5: what "the stressful experience" means for this patient.'},
    )
    phq9_asked_at = AwareDateTime(dump_only=True, allow_none=True)
    gad7_asked_at = AwareDateTime(dump_only=True, allow_none=True)
    pcl5_asked_at = AwareDateTime(dump_only=True, allow_none=True)
    updated_at = AwareDateTime(dump_only=True, allow_none=True)

    @validates_schema
    def something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError(
                "Send at least one of phq9, gad7, pcl5, ask_now, index_event.", "_schema"
            )


class SeriesBaselineSchema(Schema):
    instrument = fields.String()
    response_id = fields.UUID()
    completed_at = AwareDateTime()
    total = fields.Integer()


class SeriesSessionSchema(Schema):
    id = fields.UUID()
    scheduled_at = AwareDateTime()


class SeriesSchema(Schema):
    number = fields.Integer()
    first_ketamine_session_id = fields.UUID()
    first_at = AwareDateTime()
    last_at = AwareDateTime()
    dosing_sessions = fields.Integer()
    sessions = many(
        SeriesSessionSchema,
        "Its dosing sessions (not cancelled), by time; any but the first "
        "may be marked as the start of a new series (`PUT .../series-start`).",
    )
    marked = fields.Boolean(metadata={"description": "Started by the therapist's mark."})
    baselines = fields.List(fields.Nested(SeriesBaselineSchema))


class PlanViewSchema(PlanSchema):
    display_name = fields.String(dump_only=True)
    due = fields.List(fields.Nested(DueSchema), dump_only=True)
    series = fields.List(fields.Nested(SeriesSchema), dump_only=True)
    days_since_last_dose = fields.Integer(dump_only=True, allow_none=True)


class SeriesMarkSchema(Schema):
    new_series = fields.Boolean(
        required=True,
        metadata={"description": "True: this dosing session starts a new treatment series."},
    )


class TableQuerySchema(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class TableRowSchema(Schema):
    id = fields.UUID()
    completed_at = AwareDateTime()
    answers = fields.List(fields.Integer())
    changed = fields.List(
        fields.Integer(), metadata={"description": "1-based items whose answer changed."}
    )
    difficulty = fields.Integer(allow_none=True)
    total = fields.Integer()
    severity = fields.String(allow_none=True)
    subscores = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True)
    provisional_diagnosis = fields.Boolean(allow_none=True)
    series = fields.Integer(allow_none=True)
    baseline_of_series = fields.Integer(allow_none=True)
    change_from_baseline = fields.Integer(allow_none=True)
    markers = fields.Nested(MarkersSchema)


class ItemTableSchema(Schema):
    instrument = fields.String()
    name = fields.String()
    items = fields.List(fields.Nested(ItemSchema))
    options = fields.List(fields.Nested(OptionSchema))
    difficulty_options = fields.List(fields.String(), allow_none=True)
    clusters = fields.Dict(keys=fields.String(), values=fields.List(fields.Integer()))
    rows = fields.List(fields.Nested(TableRowSchema), metadata={"description": "Oldest first."})


# --- the clinic's outcomes report ----------------------------------------------------


class OutcomesQuerySchema(Schema):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "csv")),
        metadata={"description": "`csv` answers `text/csv`, one row per questionnaire."},
    )


class OutcomeRowSchema(Schema):
    instrument = fields.String()
    started = fields.Integer(metadata={"description": "Patients with a series baseline."})
    followed_up = fields.Integer(metadata={"description": "Of those, with a later response."})
    responded = fields.Integer(
        allow_none=True, metadata={"description": "Latest later response: response."}
    )
    remitted = fields.Integer(
        allow_none=True, metadata={"description": "Latest later response: remission."}
    )
    response_rate = fields.Float(
        allow_none=True, metadata={"description": "responded / followed_up; none: null."}
    )
    remission_rate = fields.Float(
        allow_none=True, metadata={"description": "remitted / followed_up; none: null."}
    )


class OutcomesSchema(Schema):
    items = fields.List(fields.Nested(OutcomeRowSchema))
