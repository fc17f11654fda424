"""flask-smorest's Api, answering errors as problem+json, and API-wide rules."""

import flask_smorest
from flask import Flask, request

from server.errors import abort

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class Api(flask_smorest.Api):
    def _register_error_handlers(self):
        # server.errors registers app-wide problem+json handlers instead.
        pass


def require_json_body():
    """A request body sent to the API must be JSON; say so rather than guess."""
    if (
        request.path.startswith("/api/")
        and request.method in BODY_METHODS
        and (request.content_length or request.headers.get("Transfer-Encoding"))
        and not request.is_json
    ):
        abort(415, "Send the body as application/json.", errors={"body": ["Not JSON."]})


def register(app: Flask) -> None:
    app.before_request(require_json_body)
