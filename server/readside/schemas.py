"""What the therapist's read side answers: caseload rows, timeline items, the brief.

These are the care team's views: items appear here only while shared, so
no item carries `shared`.
"""

import copy

from marshmallow import fields, validate

from server.care.schemas import TimeWindowQuery, query_time
from server.companion.schemas import DoseViewSchema
from server.fields import AwareDateTime, Page, Schema, many
from server.measures.schemas import MarkersSchema, ThresholdSchema
from server.readside.brief import BRIEF_CHECKIN_NOTES
from server.readside.caseload import SORTS
from server.readside.items import KIND_FIELDS, TIMELINE_TYPES, WORKED_OUT

# --- the caseload ------------------------------------------------------------------


class CaseloadQuerySchema(Schema):
    sort = fields.String(
        load_default="attention",
        validate=validate.OneOf(SORTS),
        metadata={
            "description": "`attention`: most urgent flags, then most open flags, then name; "
            "`name`; `last_checkin`: longest without a shared check-in first."
        },
    )


class SessionRefSchema(Schema):
    """A session named on a caseload row or in a brief."""

    id = fields.UUID()
    scheduled_at = AwareDateTime()


class CaseloadScoreSchema(Schema):
    instrument = fields.String()
    total = fields.Integer()
    completed_at = AwareDateTime()
    baseline_total = fields.Integer(allow_none=True)
    change_from_baseline = fields.Integer(allow_none=True)
    marker = fields.String(
        allow_none=True,
        metadata={"description": "remission, response, or the change's label and direction."},
    )


class RelapseSchema(Schema):
    total = fields.Integer(metadata={"description": "The latest shared PHQ-9."})
    nadir_total = fields.Integer(
        metadata={"description": "The best PHQ-9 since the series began, before the latest."}
    )
    days_since_last_dose = fields.Integer(allow_none=True)


class CaseloadRowSchema(Schema):
    patient_id = fields.UUID()
    display_name = fields.String()
    phase = fields.String(
        metadata={"description": "preparation, dosing_day, early_integration or integration"}
    )
    last_checkin_at = AwareDateTime(
        allow_none=True, metadata={"description": "The latest shared check-in."}
    )
    last_checkin_mood = fields.Integer(
        allow_none=True,
        metadata={"description": "Its mood as recorded (the trend's points are daily means)."},
    )
    # Raw: a list of 14 numbers or nulls goes out as it is; marshmallow would
    # pass each of the caseload's 2,800 values through a field of its own.
    mood_trend = fields.Raw(
        metadata={
            "type": "array",
            "items": {"type": "number", "nullable": True},
            "minItems": 14,
            "maxItems": 14,
            "description": "14 daily mean moods of shared check-ins, oldest first, the last "
            "being `mood_trend_until`; null on a day without one.",
        },
    )
    mood_trend_until = fields.Date(metadata={"description": "The patient's today."})
    next_ketamine_session = fields.Nested(SessionRefSchema, allow_none=True)
    next_integration_session = fields.Nested(SessionRefSchema, allow_none=True)
    unread_shared_count = fields.Integer(
        metadata={
            "description": "Shared check-ins, entries and questionnaires since the last "
            "integration session (or 30 days) that I have not marked read."
        }
    )
    open_flag_count = fields.Integer()
    urgent_flag_count = fields.Integer()
    checklist_open = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Preparation items not ticked for the next dosing session, once it "
            "is two days or less away; null before then."
        },
    )
    scores = many(CaseloadScoreSchema, "The latest shared score of each questionnaire on the plan.")
    relapse = fields.Nested(RelapseSchema, allow_none=True)


class CaseloadSchema(Schema):
    items = fields.List(fields.Nested(CaseloadRowSchema))
    next_cursor = fields.String(
        allow_none=True, metadata={"description": "Always null: the whole caseload is one page."}
    )


# --- timeline items -------------------------------------------------------------------


def _from_keys(declared: dict) -> dict:
    """Copies of the owners' fields, reading an item's keys (items are dicts by field name)."""
    copies = {}
    for name, field in declared.items():
        copies[name] = copy.deepcopy(field)
        copies[name].attribute = None
    return copies


class TimelineItemSchema(
    Schema.from_dict(
        {
            "type": fields.String(metadata={"enum": list(TIMELINE_TYPES)}),
            "id": fields.UUID(),
            "at": AwareDateTime(
                metadata={"description": "When it was felt, written, answered or scheduled."}
            ),
            "read": fields.Boolean(
                allow_none=True,
                metadata={"description": "Whether I marked it read; null for sessions."},
            ),
            "discuss_next_session": fields.Boolean(),
            # Each kind's fields, as the journal, the measures and the schedule declare them,
            # then what only the read side adds.
            **_from_keys({name: f for kind in KIND_FIELDS.values() for name, f in kind.items()}),
            **_from_keys(WORKED_OUT),
            "unsafe": fields.Boolean(
                metadata={"description": "The check-in said I don't feel safe."}
            ),
            "prompt_text": fields.String(allow_none=True),
        },
        name="TimelineItemBase",
    )
):
    """One item; the fields after `discuss_next_session` are those of its `type`."""


class TimelineQuerySchema(TimeWindowQuery):
    since = query_time("Default: the last integration session, or 30 days ago.")
    until = query_time("Before this time; default: no end (booked sessions first).")


class TimelineSchema(Page):
    patient_id = fields.UUID()
    since = AwareDateTime()
    until = AwareDateTime(allow_none=True)
    items = fields.List(fields.Nested(TimelineItemSchema))


# --- the patient's summary --------------------------------------------------------


class PatientSummarySchema(Schema):
    """The patient page header's and the schedule page's facts about one patient."""

    id = fields.UUID()
    display_name = fields.String()
    time_zone = fields.String()
    phase = fields.String()
    next_ketamine_session = fields.Nested(SessionRefSchema, allow_none=True)
    next_integration_session = fields.Nested(SessionRefSchema, allow_none=True)
    last_integration_session = fields.Nested(SessionRefSchema, allow_none=True)
    open_flag_count = fields.Integer(
        metadata={"description": "Open flags the care team may see; a private item's never."}
    )
    urgent_flag_count = fields.Integer(metadata={"description": "Of those, the urgent ones."})


# --- the brief ------------------------------------------------------------------------


class BriefPatientSchema(Schema):
    id = fields.UUID()
    display_name = fields.String()
    time_zone = fields.String()
    phase = fields.String()


class BriefWindowSchema(Schema):
    since = AwareDateTime(metadata={"description": "The last integration session, or 30 days."})
    until = AwareDateTime(metadata={"description": "Now."})
    last_integration_session = fields.Nested(SessionRefSchema, allow_none=True)
    next_integration_session = fields.Nested(SessionRefSchema, allow_none=True)


class MoodDaySchema(Schema):
    date = fields.Date(metadata={"description": "The patient's local day."})
    average = fields.Float(allow_none=True)
    min = fields.Integer(allow_none=True)
    max = fields.Integer(allow_none=True)
    checkin_count = fields.Integer()


class MoodWindowSchema(Schema):
    average = fields.Float(allow_none=True)
    min = fields.Integer(allow_none=True)
    max = fields.Integer(allow_none=True)
    checkin_count = fields.Integer()


class PreviousMoodSchema(MoodWindowSchema):
    since = AwareDateTime()
    until = AwareDateTime()


class MoodSummarySchema(MoodWindowSchema):
    days = fields.List(fields.Nested(MoodDaySchema))
    previous = fields.Nested(PreviousMoodSchema)
    change = fields.Float(
        allow_none=True, metadata={"description": "This window's average minus the previous."}
    )


class ScalesSchema(Schema):
    mood = fields.Nested(MoodWindowSchema)
    sleep_quality = fields.Nested(MoodWindowSchema)
    anxiety = fields.Nested(MoodWindowSchema)
    energy = fields.Nested(MoodWindowSchema)


class ScalesDaySchema(Schema):
    date = fields.Date(metadata={"description": "The patient's local day."})
    checkin_count = fields.Integer()
    mood = fields.Float(allow_none=True, metadata={"description": "The day's average."})
    sleep_quality = fields.Float(allow_none=True)
    anxiety = fields.Float(allow_none=True)
    energy = fields.Float(allow_none=True)


class LatestCheckinSchema(Schema):
    recorded_at = AwareDateTime()
    mood = fields.Integer()
    sleep_quality = fields.Integer(allow_none=True)
    anxiety = fields.Integer(allow_none=True)
    energy = fields.Integer(allow_none=True)


class AdherenceSchema(Schema):
    days = fields.Integer(metadata={"description": "Days of the window, today only once over."})
    with_checkin = fields.Integer()
    without_checkin = fields.Integer(metadata={"description": "Days without a shared check-in."})
    longest_gap_days = fields.Integer()


class CheckinsSummarySchema(Schema):
    scales = fields.Nested(ScalesSchema)
    days = fields.List(fields.Nested(ScalesDaySchema))
    latest = fields.Nested(
        LatestCheckinSchema,
        allow_none=True,
        metadata={"description": "The window's newest shared check-in, as recorded."},
    )
    dose_days = fields.List(
        fields.Date(), metadata={"description": "The patient's days of the window's doses."}
    )
    adherence = fields.Nested(AdherenceSchema)


class LatestScoreSchema(Schema):
    instrument = fields.String()
    response_id = fields.UUID()
    completed_at = AwareDateTime()
    total = fields.Integer()
    previous_total = fields.Integer(
        allow_none=True, metadata={"description": "The shared response before this one."}
    )
    severity = fields.String(allow_none=True)
    threshold = fields.Nested(ThresholdSchema, allow_none=True)
    baseline_total = fields.Integer(allow_none=True)
    change_from_baseline = fields.Integer(allow_none=True)
    markers = fields.Nested(MarkersSchema)
    answers = fields.List(fields.Integer(), metadata={"description": "In item order."})
    item9_level = fields.Integer(allow_none=True, metadata={"description": "PHQ-9 only."})
    item9_words = fields.String(
        allow_none=True, metadata={"description": "The item-9 answer in the PHQ-9's words."}
    )


class BriefSessionsSchema(Schema):
    in_window = many(TimelineItemSchema, "Dosing sessions, oldest first.")
    upcoming = many(TimelineItemSchema, "The next scheduled dosing sessions (up to 3).")


class BriefFlagSchema(Schema):
    id = fields.UUID()
    kind = fields.String()
    severity = fields.String()
    description = fields.String()
    source_type = fields.String(
        allow_none=True, metadata={"description": "Null while the source is not shared."}
    )
    source_id = fields.UUID(allow_none=True)
    source_at = AwareDateTime(allow_none=True)
    item9_level = fields.Integer(allow_none=True)
    item9_words = fields.String(allow_none=True)
    occurrences = fields.Integer()
    last_seen_at = AwareDateTime(allow_none=True)
    raised_at = AwareDateTime()
    escalated_at = AwareDateTime(allow_none=True)
    acknowledged_at = AwareDateTime(allow_none=True)
    outcome = fields.String(allow_none=True)
    note = fields.String(allow_none=True, metadata={"description": "The acknowledging note."})


class BriefSchema(Schema):
    patient = fields.Nested(BriefPatientSchema)
    window = fields.Nested(BriefWindowSchema)
    discuss_next_session = many(TimelineItemSchema, "Shared items marked to discuss, newest first.")
    entries = many(TimelineItemSchema, "The other shared entries of the window, newest first.")
    checkin_notes = many(
        TimelineItemSchema,
        "The window's other shared check-ins with a note (those to discuss "
        f"are listed above), newest first; at most the {BRIEF_CHECKIN_NOTES} newest, so a "
        "brief stays printable.",
    )
    checkin_notes_more = fields.Integer(
        metadata={
            "description": "How many older shared check-ins with a note are left out of "
            "`checkin_notes` (read them on the timeline); 0 when all are listed."
        }
    )
    mood = fields.Nested(MoodSummarySchema)
    checkins = fields.Nested(CheckinsSummarySchema)
    scores = fields.List(fields.Nested(LatestScoreSchema))
    sessions = fields.Nested(BriefSessionsSchema)
    flags = many(BriefFlagSchema, "Open flags, urgent first: the brief opens with them.")
    acknowledged_flags = many(
        BriefFlagSchema, "Flags acknowledged since the window began, with outcome."
    )
    doses = many(
        DoseViewSchema,
        "Per dose (the next, then the latest, newest first): checklist "
        "status and the shared intention, what was written back, the check after the dose.",
    )
    last_dose = fields.Nested(
        DoseViewSchema,
        allow_none=True,
        metadata={"description": "The latest of `doses` at or before now."},
    )
