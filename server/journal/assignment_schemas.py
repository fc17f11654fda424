"""What prompt assignments accept and answer.

Times relative to a dosing session are `relative` ("before" or "after")
with `offset_hours` counted from the session, never a negative number; the
stored offset is signed (`PromptAssignment.offset_hours`), and these
schemas turn it into the two words and back.
"""

from marshmallow import ValidationError, fields, validate, validates_schema

from server.fields import AwareDateTime, Schema
from server.journal.schemas import unique

RELATIVE = ("before", "after")
MAX_HOURS = {"before": 14 * 24, "after": 60 * 24}


def relative_of(offset: int | None) -> str | None:
    """ "before" or "after" for a stored signed offset (None: not relative to a session)."""
    if offset is None:
        return None
    return "before" if offset < 0 else "after"


def hours_of(offset: int | None) -> int | None:
    """The hours from the session, as a person counts them: never negative."""
    return None if offset is None else abs(offset)


def signed_offset(data: dict) -> int | None:
    """The stored offset for a loaded request: hours before a session are negative."""
    hours = data.get("offset_hours")
    if data.get("ketamine_session_id") is None:
        return None
    hours = hours or 0
    return -hours if data.get("relative") == "before" else hours


class AssignmentRequestSchema(Schema):
    prompt_ids = fields.List(
        fields.UUID(), required=True, validate=[validate.Length(min=1, max=20), unique]
    )
    ketamine_session_id = fields.UUID(
        load_default=None,
        metadata={"description": "Make the prompts due relative to this dosing session."},
    )
    relative = fields.String(
        load_default=None,
        validate=validate.OneOf(RELATIVE),
        metadata={"description": "Before or after the dosing session (default after)."},
    )
    offset_hours = fields.Integer(
        strict=True,
        load_default=None,
        validate=validate.Range(
            min=0,
            error="Hours are counted from the session and never negative; "
            "send `relative: before` for a time before it.",
        ),
        metadata={
            "description": f"Hours before (at most {MAX_HOURS['before']}) or after "
            f"(at most {MAX_HOURS['after']}) the dosing session; default 0."
        },
    )

    @validates_schema
    def relative_to_a_session(self, data, **_):
        if data.get("ketamine_session_id") is None:
            for name in ("relative", "offset_hours"):
                if data.get(name) is not None:
                    raise ValidationError("Give the dosing session it is relative to.", name)
            return
        relative = data.get("relative") or "after"
        if (data.get("offset_hours") or 0) > MAX_HOURS[relative]:
            raise ValidationError(
                f"At most {MAX_HOURS[relative]} hours {relative} the session.", "offset_hours"
            )


class AssignmentSchema(Schema):
    id = fields.UUID()
    prompt_id = fields.UUID()
    ketamine_session_id = fields.UUID(allow_none=True)
    relative = fields.Function(
        lambda assignment: relative_of(assignment.offset_hours),
        allow_none=True,
        metadata={"enum": list(RELATIVE), "description": "Null when not relative to a session."},
    )
    offset_hours = fields.Function(
        lambda assignment: hours_of(assignment.offset_hours),
        allow_none=True,
        metadata={"type": "integer", "description": "Hours before or after the session."},
    )
    due_at = AwareDateTime(
        allow_none=True, metadata={"description": "Null while its dosing session is cancelled."}
    )
    created_at = AwareDateTime()


class AssignmentListSchema(Schema):
    items = fields.List(fields.Nested(AssignmentSchema))


class PatientAssignmentSchema(AssignmentSchema):
    """An assigned prompt as the care team sees it in the patient's list."""

    prompt_text = fields.String()
    theme = fields.String()
    assigned_by_id = fields.UUID(allow_none=True)
    answered = fields.Boolean(
        metadata={
            "description": "Whether the patient has shared an answer since it was assigned. "
            "An answer kept private does not count: a private item is invisible to the "
            "care team, even as a yes."
        }
    )


class PatientAssignmentListSchema(Schema):
    items = fields.List(fields.Nested(PatientAssignmentSchema))
