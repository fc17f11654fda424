"""flask-smorest's Api, answering errors as problem+json, and API-wide rules."""

import http

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
