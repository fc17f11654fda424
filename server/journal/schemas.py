"""What the journal's routes accept and answer.

Input schemas leave out what the client did not send (no `load_default`),
so a service can tell "not sent" from "sent empty": a replayed create is
compared only on what it says, and an omitted `shared` takes the patient's
`share_by_default`. The patient's and the therapist's views of an item are
separate field sets.
"""

from marshmallow import ValidationError, fields, validate

from server.fields import AwareDateTime, Cursor, DeviceTime, Page, Schema
from server.journal.models import BODY_MAX, EMOTIONS, NOTE_MAX, PHASES, TAG_MAX, TAGS_MAX, THEMES

SCALE = validate.Range(min=0, max=10)
PROMPT_TEXT_MAX = 500


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Write something, or leave it out.")


def unique(values: list) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("List each value once.")


def _scale(description: str, **kwargs):
    return fields.Integer(
        strict=True, validate=SCALE, metadata={"description": description}, **kwargs
    )


def _emotions(**kwargs):
    return fields.List(
        fields.String(validate=validate.OneOf(EMOTIONS)),
        validate=[validate.Length(max=len(EMOTIONS)), unique],
        metadata={"description": "Words from the fixed emotion vocabulary."},
        **kwargs,
    )


class Tag(fields.String):
    """One of my own tags: trimmed, 1 to TAG_MAX characters, no line breaks."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = " ".join(super()._deserialize(value, attr, data, **kwargs).split())
        if not text or len(text) > TAG_MAX:
            raise ValidationError(f"A tag has 1 to {TAG_MAX} characters.")
        return text


def _unique_tags(values: list) -> None:
    if len({value.casefold() for value in values}) != len(values):
        raise ValidationError("Each tag once.")


def _tags(**kwargs):
    return fields.List(
        Tag(),
        validate=[validate.Length(max=TAGS_MAX), _unique_tags],
        metadata={"description": "My own tags (an activity, a person, a place); stored encrypted."},
        **kwargs,
    )


def _note(**kwargs):
    return fields.String(
        allow_none=True,
        validate=validate.Length(max=NOTE_MAX),
        metadata={"description": "Free text; stored encrypted. An empty string means no note."},
        **kwargs,
    )


def _version():
    return fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=1),
        metadata={"description": "The version you read; a stale one is refused with 409."},
    )


# --- check-ins ----------------------------------------------------------------


class _CheckInAnswers(Schema):
    """What a check-in says, alike when it is made and when it is edited."""

    anxiety = _scale("0 = none, 10 = the most intense.", allow_none=True)
    energy = _scale("0 = none, 10 = plenty.", allow_none=True)
    sleep_quality = _scale("0 = the worst sleep, 10 = the best.", allow_none=True)
    emotions = _emotions()
    tags = _tags()
    note = _note()
    discuss_next_session = fields.Boolean()


class CheckInCreateSchema(_CheckInAnswers):
    id = fields.UUID(
        required=True, metadata={"description": "Made by the client; makes a retry safe."}
    )
    recorded_at = DeviceTime(
        required=True,
        metadata={"description": "When it was felt, with the device's UTC offset."},
    )
    mood = _scale("0 = the lowest mood, 10 = the best.", required=True)
    shared = fields.Boolean(metadata={"description": "Default: my `share_by_default` setting."})
    unsafe = fields.Boolean(
        metadata={
            "description": "I don't feel safe: raises an urgent flag even when private (content"
            " stays private). Set when checking in only."
        }
    )


class CheckInUpdateSchema(_CheckInAnswers):
    version = _version()
    recorded_at = DeviceTime()
    mood = _scale("0 = the lowest mood, 10 = the best.")
    shared = fields.Boolean()


class SharedCheckInSchema(Schema):
    """A check-in as the care team sees it: only ever a shared one, so no `shared`."""

    id = fields.UUID()
    recorded_at = AwareDateTime(attribute="recorded_at_local")
    mood = fields.Integer()
    anxiety = fields.Integer(allow_none=True)
    energy = fields.Integer(allow_none=True)
    sleep_quality = fields.Integer(allow_none=True)
    emotions = fields.List(fields.String())
    note = fields.String(allow_none=True)
    discuss_next_session = fields.Boolean()


class CheckInSchema(SharedCheckInSchema):
    """A check-in as its patient sees it: what the care team may see, and what is theirs."""

    tags = fields.List(fields.String())
    shared = fields.Boolean()
    unsafe = fields.Boolean()
    version = fields.Integer()


class TagListSchema(Schema):
    items = fields.List(fields.String(), metadata={"description": "Most recently used first."})


def _int(value) -> int | None:
    return None if value is None else int(value)


def checkin_json(checkin) -> dict:
    """Exactly what `CheckInSchema().dump(checkin)` answers, built directly.

    Lists answer up to 200 check-ins, and marshmallow's per-field machinery
    cost more than reading them.
    The schema stays what is documented; `tests/journal/test_lists.py`
    compares the two on every shape of check-in.
    """
    emotions = checkin.emotions
    note = checkin.note
    return {
        "id": str(checkin.id),
        "recorded_at": checkin.recorded_at_local.isoformat(),
        "mood": _int(checkin.mood),
        "anxiety": _int(checkin.anxiety),
        "energy": _int(checkin.energy),
        "sleep_quality": _int(checkin.sleep_quality),
        "emotions": None if emotions is None else [str(emotion) for emotion in emotions],
        "tags": checkin.tags,
        "note": None if note is None else str(note),
        "shared": bool(checkin.shared),
        "discuss_next_session": bool(checkin.discuss_next_session),
        "unsafe": bool(checkin.unsafe),
        "version": _int(checkin.version),
    }


class ListArgs(Cursor):
    since = AwareDateTime(metadata={"description": "Only items at or after this time."})
    until = AwareDateTime(metadata={"description": "Only items before this time."})


class CheckInPageSchema(Page):
    items = fields.List(fields.Nested(CheckInSchema))


# --- journal entries ---------------------------------------------------------


def _body(**kwargs):
    return fields.String(
        validate=[validate.Length(min=1, max=BODY_MAX), not_blank],
        metadata={"description": "Free text; stored encrypted."},
        **kwargs,
    )


class EntryCreateSchema(Schema):
    id = fields.UUID(
        required=True, metadata={"description": "Made by the client; makes a retry safe."}
    )
    written_at = DeviceTime(
        required=True,
        metadata={"description": "When it was written, with the device's UTC offset."},
    )
    body = _body(required=True)
    prompt_id = fields.UUID(allow_none=True, metadata={"description": "The prompt it answers."})
    ketamine_session_id = fields.UUID(
        allow_none=True,
        metadata={
            "description": "The dosing session it follows. Left out: the latest one before "
            "`written_at`; null: none."
        },
    )
    shared = fields.Boolean(metadata={"description": "Default: my `share_by_default` setting."})
    discuss_next_session = fields.Boolean()


class EntryUpdateSchema(Schema):
    version = _version()
    written_at = DeviceTime()
    body = _body()
    prompt_id = fields.UUID(allow_none=True)
    ketamine_session_id = fields.UUID(allow_none=True)
    shared = fields.Boolean()
    discuss_next_session = fields.Boolean()


class SharedEntrySchema(Schema):
    """A journal entry as the care team sees it: only ever a shared one."""

    id = fields.UUID()
    written_at = AwareDateTime(attribute="written_at_local")
    body = fields.String()
    prompt_id = fields.UUID(allow_none=True)
    ketamine_session_id = fields.UUID(allow_none=True)
    discuss_next_session = fields.Boolean()


class EntrySchema(SharedEntrySchema):
    """A journal entry as its patient sees it."""

    shared = fields.Boolean()
    version = fields.Integer()


class EntryPageSchema(Page):
    items = fields.List(fields.Nested(EntrySchema))


class EntrySearchSchema(Schema):
    """Words to find in my entries; sent in the body, as a URL would carry them into logs."""

    q = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Every word must appear in an entry (any case)."},
    )


class EntrySearchResultSchema(Schema):
    items = fields.List(fields.Nested(EntrySchema))
    more = fields.Boolean(metadata={"description": "More entries matched than are listed."})


# --- prompts -----------------------------------------------------------------


def _phases(**kwargs):
    return fields.List(
        fields.String(validate=validate.OneOf(PHASES)),
        validate=[validate.Length(min=1, max=len(PHASES)), unique],
        metadata={"description": "The phases this prompt suits."},
        **kwargs,
    )


def _prompt_text(**kwargs):
    return fields.String(
        validate=[validate.Length(min=1, max=PROMPT_TEXT_MAX), not_blank], **kwargs
    )


class PromptCreateSchema(Schema):
    text = _prompt_text(required=True)
    phases = _phases(required=True)
    theme = fields.String(required=True, validate=validate.OneOf(THEMES))
    active = fields.Boolean(load_default=True)


class PromptUpdateSchema(Schema):
    version = _version()
    text = _prompt_text()
    phases = _phases()
    theme = fields.String(validate=validate.OneOf(THEMES))
    active = fields.Boolean(metadata={"description": "Switched off: no longer offered."})


class PromptSchema(Schema):
    """A prompt as a therapist edits it."""

    id = fields.UUID()
    text = fields.String()
    phases = fields.List(fields.String())
    theme = fields.String()
    active = fields.Boolean()
    is_default = fields.Boolean(
        metadata={"description": "Copied from Between's built-in library (possibly edited since)."}
    )
    version = fields.Integer()
    created_at = AwareDateTime()
    updated_at = AwareDateTime()


class PromptListArgs(Schema):
    phase = fields.String(validate=validate.OneOf(PHASES))
    theme = fields.String(validate=validate.OneOf(THEMES))
    active = fields.Boolean()


class PromptPageSchema(Schema):
    items = fields.List(fields.Nested(PromptSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "Always null: one page."})


class DuePromptSchema(Schema):
    id = fields.UUID(
        metadata={
            "description": "The prompt's id; send it as an entry's prompt_id "
            "(for `intention`, the intention's id: answer it with an intention reflection)."
        }
    )
    text = fields.String()
    theme = fields.String()
    phases = fields.List(fields.String())
    source = fields.String(
        metadata={
            "description": "`assigned` by the therapist, `phase`, or `intention`: my "
            'intention for the last dose coming back ("did it show up?").'
        }
    )
    assignment_id = fields.UUID(allow_none=True)
    due_at = AwareDateTime(allow_none=True)
    prompt_of_the_day = fields.Boolean()
    intention_id = fields.UUID(
        allow_none=True, metadata={"description": "`intention` only: write back to this one."}
    )
    ketamine_session_id = fields.UUID(
        allow_none=True, metadata={"description": "`intention` only: the dose it was for."}
    )


class DuePromptsSchema(Schema):
    phase = fields.String(metadata={"description": "My current phase."})
    items = fields.List(fields.Nested(DuePromptSchema))
