"""flask-smorest's Api, answering errors as problem+json, and API-wide rules."""

import functools
import http
import json
import math
import re

import flask_smorest
from flask import Flask, request
from flask_smorest.utils import prepare_response
from marshmallow import fields

from server.errors import PROBLEM_MEDIA_TYPE, abort
from server.fields import Schema

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class ProblemSchema(Schema):
    """RFC 9457 problem details, as server.errors answers every error."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "On validation failures: field name to its messages."},
    )


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        # server.errors registers app-wide problem+json handlers instead.
        pass

    def _register_responses(self):
        # Document errors as what they are on the wire (application/problem+json),
        # so clients and the schema-conformance fuzz test read the real contract.
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def creates(blp: flask_smorest.Blueprint, schema, *, replay: str = "A replay.", conflict=None):
    """A create with a client-made `id`: the view returns `(item, created)`, answered 201
    when new and 200 when a replay (the stored item); `conflict` documents the 409 of an
    `id` used again with other values."""

    def decorate(view):
        @functools.wraps(view)
        def answered(*args, **kwargs):
            item, created = view(*args, **kwargs)
            return item, 201 if created else 200

        if conflict is not None:
            answered = blp.alt_response(409, description=conflict)(answered)
        answered = blp.alt_response(200, schema=schema, description=replay)(answered)
        return blp.response(201, schema)(answered)

    return decorate


#: How the API documents a save refused because the `version` sent is not the stored one.
STALE_VERSION = "A stale `version`: saved since it was read; nothing was changed."


def replaces(blp: flask_smorest.Blueprint, schema, *, answer=None):
    """A save of something kept whole (PUT) with the `version` its editor read: the body
    in `schema`, answered 200 in `answer` (default `schema`), 409 when the version is stale."""

    def decorate(view):
        view = blp.alt_response(409, description=STALE_VERSION)(view)
        view = blp.response(200, answer or schema)(view)
        return blp.arguments(schema)(view)

    return decorate


def require_json_body():
    """A request body sent to the API must be JSON; say so rather than guess."""
    if (
        request.path.startswith("/api/")
        and request.method in BODY_METHODS
        and (request.content_length or request.headers.get("Transfer-Encoding"))
        and not request.is_json
    ):
        abort(415, "Send the body as application/json.", errors={"body": ["Not JSON."]})


#: Deeper than any body the API reads; a body nested deeper is refused unread.
MAX_JSON_DEPTH = 32
#: The largest integer any column holds (a signed 64-bit integer).
MAX_INTEGER = 2**63 - 1
#: A lone UTF-16 surrogate (JSON can spell one as "\ud800"; no text store takes it),
#: and NUL, which PostgreSQL refuses in text.
_NOT_TEXT = re.compile("[\ud800-\udfff\x00]")
NOT_TEXT = "Contains a character that is not text (a NUL or a lone surrogate)."


def _no_constants(name):
    raise ValueError(f"{name} is not a JSON number")


class _TooLarge:
    """Stands in for an integer too long to be worth converting."""


TOO_LARGE = _TooLarge()


def _integer(digits: str):
    # Python refuses to convert more than 4,300 digits (a ValueError for the
    # whole body); anything past 19 cannot fit a column anyway, so it is
    # kept as a marker and refused by name.
    return int(digits) if len(digits.lstrip("-")) <= 19 else TOO_LARGE


def _too_large(value) -> bool:
    if value is TOO_LARGE:
        return True
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) > MAX_INTEGER
    return isinstance(value, float) and not math.isfinite(value)


def _refuse_body(detail: str, message: str):
    abort(400, detail, errors={"body": [message]})


def _walk(body) -> dict[str, list[str]]:
    """Problems of a parsed body, by field path; iterative, so depth costs no stack."""
    problems: dict[str, list[str]] = {}
    stack = [(body, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            _refuse_body("The JSON is nested too deeply.", "Nested too deeply.")
        if isinstance(value, dict):
            for key, item in value.items():
                if _NOT_TEXT.search(key):
                    problems.setdefault(path or "body", []).append(NOT_TEXT)
                    continue
                stack.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                stack.append((item, f"{path}.{index}" if path else str(index), depth + 1))
        elif isinstance(value, str) and _NOT_TEXT.search(value):
            problems.setdefault(path or "body", []).append(NOT_TEXT)
        elif _too_large(value):
            problems.setdefault(path or "body", []).append("Number too large.")
    return problems


def check_input():
    """Refuse what no field could store before any schema sees it (issue 15.13).

    JSON nested deeper than `MAX_JSON_DEPTH` or not JSON at all is 400;
    a lone surrogate or NUL in any string, an integer beyond 64 bits, or a
    non-finite number is 422 naming the field. Query parameters and path
    segments with a NUL are 422 too. Never a 500 from the database or the
    JSON parser's recursion.
    """
    if not request.path.startswith("/api/"):
        return
    bad_query = sorted({name for name, value in request.args.items(multi=True) if "\x00" in value})
    bad_path = sorted(
        name for name, value in (request.view_args or {}).items() if "\x00" in str(value)
    )
    if bad_query or bad_path or "\x00" in request.path:
        names = bad_query + bad_path or ["path"]
        abort(422, "Some fields are invalid; see errors.", errors={n: [NOT_TEXT] for n in names})
    if request.method not in BODY_METHODS or not request.is_json:
        return
    raw = request.get_data(cache=True)
    if not raw:
        return
    try:
        body = json.loads(raw, parse_constant=_no_constants, parse_int=_integer)
    except RecursionError:
        _refuse_body("The JSON is nested too deeply.", "Nested too deeply.")
    except ValueError:
        # Malformed, not UTF-8, or an integer of thousands of digits.
        _refuse_body("The body is not valid JSON.", "Not valid JSON.")
    problems = _walk(body)
    if problems:
        abort(422, "Some fields are invalid; see errors.", errors=problems)


def register(app: Flask) -> None:
    app.before_request(require_json_body)
    app.before_request(check_input)
