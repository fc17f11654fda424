"""The cursor of every paged list: a position sealed to its list, opened only by it.

A cursor travels in a URL, and so into access logs and browser history; the
time someone journaled, answered a questionnaire or was flagged is health
data. So a cursor is always encrypted (`server.crypto.keyring`), never only
encoded, and bound to its list (`bound_to`: the list's name and whose list
it is), so a cursor of one list, one patient or one reader opens nowhere
else. Anything that does not open is the same 422 naming `cursor`.

    cursor = paging.seal([last.completed_at, last.id], f"measure_responses:{patient_id}")
    after_at, after_id = paging.open(cursor, f"measure_responses:{patient_id}", datetime, UUID)

Values are times (aware; sealed as UTC), UUIDs, integers and strings.
"""

import base64
import binascii
import json
import uuid
from datetime import UTC, datetime

from server.crypto import DecryptionError, keyring
from server.errors import abort

INVALID = "The cursor is not valid."
NOT_THIS_LIST = "Not a cursor from this list."


def seal(values: list, bound_to: str) -> str:
    """A URL-safe cursor holding `values`, readable only by `open` with the same `bound_to`."""
    text = json.dumps([_plain(value) for value in values])
    sealed = keyring().encrypt(text, f"cursor:{bound_to}")
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def open(cursor: str, bound_to: str, *types: type) -> tuple:
    """The values sealed in `cursor`, as `types`; a problem+json 422 if it is not this list's."""
    try:
        sealed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(keyring().decrypt(sealed, f"cursor:{bound_to}"))
        if not isinstance(values, list) or len(values) != len(types):
            raise ValueError
        return tuple(_typed(value, kind) for value, kind in zip(values, types, strict=True))
    except (ValueError, TypeError, OverflowError, binascii.Error, DecryptionError):
        refuse()


def refuse():
    """Answer 422 naming `cursor`: for a cursor that opened but names no place in the list."""
    abort(422, INVALID, errors={"cursor": [NOT_THIS_LIST]})


def _plain(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a cursor's time must carry its offset")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"a cursor holds times, UUIDs, integers and strings, not {type(value)}")
    return value


def _typed(value, kind: type):
    if kind is datetime:
        at = datetime.fromisoformat(value)
        if at.tzinfo is None:
            raise ValueError
        return at
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str):
        return value
    raise ValueError
