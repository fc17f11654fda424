"""One problem+json shape (RFC 9457) for every error the API returns.

Validation failures name each field in `errors`. Messages never echo the
submitted values, so health data cannot leak into an error body or a log.
"""

from flask import jsonify
from werkzeug.exceptions import HTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"


class Problem(HTTPException):
    """An HTTP error carrying problem details; raise it with `abort`."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors=None,
        type_: str | None = None,
        title: str | None = None,
        headers: dict | None = None,
        extensions: dict | None = None,
    ):
        self.code = status
        super().__init__(description=detail)
        self.data = {
            "detail": detail,
            "errors": errors,
            "type": type_,
            "title": title,
            "headers": headers or {},
            # RFC 9457 extension members: more about the problem, for clients to act on.
            "extensions": extensions or {},
        }


def abort(status: int, detail: str, **kwargs):
    raise Problem(status, detail, **kwargs)


def not_found(what: str = "resource"):
    abort(404, f"No such {what}.")


def stale(what: str = "This item"):
    """409 for an edit whose `version` is not the stored one: nothing was written."""
    abort(
        409,
        f"{what} was changed elsewhere; reload it and try again.",
        errors={"version": ["Not the stored version."]},
    )


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into `{"field.sub": [messages]}`."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "body"] = messages
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            flat.update(flatten_errors(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "body"] = [str(messages)]
    return flat


def problem_response(error: HTTPException):
    data = getattr(error, "data", None) or {}
    status = error.code or 500
    errors = data.get("errors")
    if errors is None and "messages" in data:
        # webargs: {"json": {...}} or {"query": {...}}; the location is noise to clients.
        merged = {}
        for location_errors in data["messages"].values():
            merged.update(flatten_errors(location_errors))
        errors = merged
    elif errors is not None:
        errors = flatten_errors(errors)
    detail = data.get("detail") or (
        "Some fields are invalid; see errors." if errors else error.description
    )
    body = {
        "type": data.get("type") or "about:blank",
        "title": data.get("title") or error.name,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    for name, value in (data.get("extensions") or {}).items():
        body.setdefault(name, value)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MEDIA_TYPE
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if hasattr(error, "get_headers"):
        for name, value in error.get_headers():
            if name.lower() not in ("content-type",):
                response.headers.setdefault(name, value)
    return response
