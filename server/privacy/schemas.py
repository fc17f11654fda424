"""The shapes of a patient's export and of the deletion confirmation.

Field names are the API's own (SPEC 4), so an exported check-in reads like
one from `GET /checkins`. The export is the patient's own view: it carries
what they wrote, decrypted, and never another person's secrets (no token
hashes, no push keys, no therapist's address).
"""

from urllib.parse import urlsplit

from marshmallow import fields, validate

from server.care.schemas import DosingSessionSchema
from server.companion.schemas import CompanionExportSchema
from server.fields import AwareDateTime, Schema, many
from server.journal.assignment_schemas import hours_of, relative_of
from server.journal.schemas import CheckInSchema
from server.safetyplan.schemas import SafetyPlanSchema

FORMATS = ("json", "fhir")


class ExportArgs(Schema):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(FORMATS),
        metadata={"description": "`json` (everything) or `fhir` (an R4 Bundle of the measures)."},
    )


class DeleteAccountSchema(Schema):
    password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1024),
        metadata={"description": "My current password, to confirm that it is me."},
    )


# --- the JSON export -----------------------------------------------------------


class ExportClinicSchema(Schema):
    id = fields.UUID()
    name = fields.String()


class ExportProfileSchema(Schema):
    id = fields.UUID()
    email = fields.String()
    display_name = fields.String()
    role = fields.String()
    created_at = AwareDateTime()
    totp_enrolled = fields.Boolean()


class ExportSettingsSchema(Schema):
    time_zone = fields.String()
    checkin_time = fields.Time(allow_none=True)
    more_checkin_times = fields.List(fields.Time())
    quiet_hours_start = fields.Time(allow_none=True)
    quiet_hours_end = fields.Time(allow_none=True)
    share_by_default = fields.Boolean()
    country = fields.String(allow_none=True, metadata={"description": "For crisis resources."})


class ExportCareTeamMemberSchema(Schema):
    therapist_id = fields.UUID()
    display_name = fields.String()
    added_at = AwareDateTime()


class ExportMeasurePlanSchema(Schema):
    phq9 = fields.Boolean()
    gad7 = fields.Boolean()
    pcl5 = fields.Boolean()


class ExportCheckInSchema(CheckInSchema):
    """A check-in as `GET /checkins` answers it (tags and note decrypted), and when it was
    stored and last changed."""

    created_at = AwareDateTime()
    updated_at = AwareDateTime()


class ExportEntrySchema(Schema):
    id = fields.UUID(attribute="entry.id")
    written_at = AwareDateTime(attribute="entry.written_at_local")
    body = fields.String(attribute="entry.body", metadata={"description": "Decrypted."})
    prompt_id = fields.UUID(attribute="entry.prompt_id", allow_none=True)
    prompt_text = fields.String(
        allow_none=True, metadata={"description": "The question the entry answers."}
    )
    ketamine_session_id = fields.UUID(attribute="entry.ketamine_session_id", allow_none=True)
    shared = fields.Boolean(attribute="entry.shared")
    discuss_next_session = fields.Boolean(attribute="entry.discuss_next_session")
    version = fields.Integer(attribute="entry.version")
    created_at = AwareDateTime(attribute="entry.created_at")
    updated_at = AwareDateTime(attribute="entry.updated_at")


class ExportMeasureResponseSchema(Schema):
    id = fields.UUID()
    instrument = fields.String()
    answers = fields.List(fields.Integer(), metadata={"description": "In item order."})
    difficulty = fields.Integer(
        allow_none=True, metadata={"description": "The unscored difficulty item's option index."}
    )
    completed_at = AwareDateTime()
    total = fields.Integer()
    severity = fields.String(allow_none=True)
    subscores = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True)
    shared = fields.Boolean()
    discuss_next_session = fields.Boolean()
    version = fields.Integer()
    created_at = AwareDateTime()


class ExportDosingSessionSchema(DosingSessionSchema):
    """A dosing session as the patient sees it, and when it was booked."""

    class Meta(DosingSessionSchema.Meta):
        exclude = ("patient_id",)  # the export is all one patient's

    created_at = AwareDateTime()


class ExportIntegrationSessionSchema(Schema):
    id = fields.UUID(attribute="session.id")
    therapist_id = fields.UUID(attribute="session.therapist_id", allow_none=True)
    therapist_name = fields.String(allow_none=True)
    scheduled_at = AwareDateTime(attribute="session.scheduled_at")
    duration_minutes = fields.Integer(attribute="session.duration_minutes")
    status = fields.String(attribute="session.status")
    follows_ketamine_session_ids = fields.Function(
        lambda row: [str(dose.id) for dose in row["session"].follows]
    )
    version = fields.Integer(attribute="session.version")
    created_at = AwareDateTime(attribute="session.created_at")
    updated_at = AwareDateTime(attribute="session.updated_at")


class ExportPromptAssignmentSchema(Schema):
    id = fields.UUID(attribute="assignment.id")
    prompt_id = fields.UUID(attribute="assignment.prompt_id")
    prompt_text = fields.String()
    ketamine_session_id = fields.UUID(attribute="assignment.ketamine_session_id", allow_none=True)
    # Before or after the session, in hours counted from it (stored signed).
    relative = fields.Function(
        lambda row: relative_of(row["assignment"].offset_hours), allow_none=True
    )
    offset_hours = fields.Function(
        lambda row: hours_of(row["assignment"].offset_hours), allow_none=True
    )
    due_at = AwareDateTime(attribute="assignment.due_at", allow_none=True)
    created_at = AwareDateTime(attribute="assignment.created_at")


class ExportFlagSchema(Schema):
    id = fields.UUID()
    kind = fields.String()
    severity = fields.String()
    description = fields.String()
    source_type = fields.String(allow_none=True)
    source_id = fields.UUID(allow_none=True)
    raised_at = AwareDateTime()
    acknowledged_at = AwareDateTime(allow_none=True)


def _push_service(subscription) -> str:
    # The full endpoint is a capability to push to the device; its origin
    # alone says which browser's push service the device uses.
    parts = urlsplit(subscription.endpoint)
    return f"{parts.scheme}://{parts.netloc}"


class ExportDeviceSchema(Schema):
    """A device subscribed to push: which push service and when; never its endpoint or keys."""

    id = fields.UUID()
    push_service = fields.Function(_push_service, metadata={"description": "Its origin only."})
    created_at = AwareDateTime()
    refreshed_at = AwareDateTime()
    expiration_time = AwareDateTime(allow_none=True)


class ExportNotificationSchema(Schema):
    id = fields.UUID()
    kind = fields.String()
    due_at = AwareDateTime()
    state = fields.String()
    sent_at = AwareDateTime(allow_none=True)


class ExportDeletedItemSchema(Schema):
    id = fields.UUID()
    kind = fields.String()
    deleted_at = AwareDateTime()


class ExportApiTokenSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    created_at = AwareDateTime()
    last_used_at = AwareDateTime(allow_none=True)
    revoked_at = AwareDateTime(allow_none=True)


class ExportLoginSessionSchema(Schema):
    id = fields.UUID()
    created_at = AwareDateTime()
    revoked_at = AwareDateTime(allow_none=True)


class ExportAuditTrailSchema(Schema):
    id = fields.UUID()
    at = AwareDateTime()
    action = fields.String()
    actor_id = fields.UUID(allow_none=True)
    actor_role = fields.String(allow_none=True)
    actor_name = fields.String(
        allow_none=True, metadata={"description": "Null once that account is gone."}
    )
    by_me = fields.Boolean()
    object_type = fields.String(allow_none=True)
    object_id = fields.UUID(allow_none=True)
    ip_address = fields.String(allow_none=True, metadata={"description": "My own actions only."})
    user_agent = fields.String(allow_none=True, metadata={"description": "My own actions only."})


class ExportSchema(Schema):
    """Everything Between holds about me, oldest first in every list."""

    format = fields.String(metadata={"description": "Always `between-export`."})
    format_version = fields.Integer()
    exported_at = AwareDateTime()
    profile = fields.Nested(ExportProfileSchema)
    clinic = fields.Nested(ExportClinicSchema, allow_none=True)
    settings = fields.Nested(ExportSettingsSchema)
    care_team = many(ExportCareTeamMemberSchema)
    measure_plan = fields.Nested(ExportMeasurePlanSchema)
    checkins = many(ExportCheckInSchema)
    entries = many(ExportEntrySchema)
    measure_responses = many(ExportMeasureResponseSchema)
    ketamine_sessions = many(ExportDosingSessionSchema)
    integration_sessions = many(ExportIntegrationSessionSchema)
    prompt_assignments = many(ExportPromptAssignmentSchema)
    flags = many(ExportFlagSchema)
    devices = many(ExportDeviceSchema)
    notifications = many(ExportNotificationSchema)
    deleted_items = many(ExportDeletedItemSchema)
    api_tokens = many(ExportApiTokenSchema)
    login_sessions = many(ExportLoginSessionSchema)
    audit_trail = many(ExportAuditTrailSchema)
    companion = fields.Nested(
        CompanionExportSchema,
        metadata={"description": "Intentions, what I wrote back, checks after doses, ticks."},
    )
    safety_plan = fields.Nested(SafetyPlanSchema)


# --- the FHIR export (documented only; the bundle is built as plain JSON) ------


class FhirEntrySchema(Schema):
    fullUrl = fields.String()
    resource = fields.Dict()


class FhirBundleSchema(Schema):
    """A FHIR R4 Bundle of type `collection`: the Patient, then each QuestionnaireResponse
    with its total Observation (LOINC) where one exists."""

    resourceType = fields.String(metadata={"enum": ["Bundle"]})
    id = fields.String()
    type = fields.String(metadata={"enum": ["collection"]})
    timestamp = fields.String()
    entry = fields.List(fields.Nested(FhirEntrySchema))
