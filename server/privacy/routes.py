"""A patient's own data: download all of it, or delete the account with it.

Both act on the caller's own account, so there is no one else's to ask
for: anyone but a signed-in patient is refused (401 or 403).
"""

import json

from flask import Response
from flask_login import current_user
from flask_smorest import Blueprint

from server import access
from server.accounts import signin
from server.auth.passwords import verify_password
from server.auth.sessions import end_session
from server.db import utcnow
from server.fields import zone
from server.privacy import services
from server.privacy.schemas import DeleteAccountSchema, ExportArgs, ExportSchema, FhirBundleSchema

blp = Blueprint("privacy", __name__, url_prefix="/api/v1", description="My data: export, delete")

FHIR_MEDIA_TYPE = "application/fhir+json"


def _attachment(kind: str, patient) -> dict:
    # A download, not a page: browsers save it, and no cache keeps a copy
    # (the API's no-store header applies; it is repeated here on purpose).
    # Dated on the patient's own calendar: in UTC, an evening's file is tomorrow's.
    today = utcnow().astimezone(zone(patient.time_zone)).date()
    name = f"between-{kind}-{today.isoformat()}.json"
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


@blp.route("/me/export")
@access.patient_only
@blp.arguments(ExportArgs, location="query")
@blp.response(200, ExportSchema)
@blp.doc(
    responses={
        "200": {
            "description": "All my data as JSON; with `format=fhir`, a FHIR R4 Bundle.",
            # Both media types are listed: a manual `content` replaces the one
            # flask-smorest would derive from the response schema.
            "content": {
                "application/json": {"schema": ExportSchema},
                FHIR_MEDIA_TYPE: {"schema": FhirBundleSchema},
            },
        }
    }
)
def export(args):
    """Download everything Between holds about me (a file: `Content-Disposition: attachment`).

    `format=json` (default): profile, settings, check-ins and entries with
    their text, questionnaires with scores, sessions, assignments, flags,
    devices and who read my data when. `format=fhir`: my questionnaires as a
    FHIR R4 Bundle (QuestionnaireResponse and LOINC-coded total Observation).
    """
    patient = current_user._get_current_object()
    if args["format"] == "fhir":
        bundle = services.export_fhir(patient)
        return Response(
            json.dumps(bundle, ensure_ascii=False),
            status=200,
            mimetype=FHIR_MEDIA_TYPE,
            headers=_attachment("fhir", patient),
        )
    return services.export_data(patient), 200, _attachment("export", patient)


@blp.route("/me", methods=["DELETE"])
@access.patient_only
@blp.arguments(DeleteAccountSchema)
@blp.response(204)
def delete_me(data):
    """Delete my account and all my data, for good; my current password confirms it.

    Every session and token of mine ends at once. The audit log keeps that
    the deletion happened (ids only, never what I wrote). A wrong password is
    422 naming `password`, and nothing is deleted; guessing is rate limited
    like sign-in.
    """
    patient = current_user._get_current_object()
    # The same re-authentication budget as a password change or turning TOTP off.
    budgets = signin.reauth_budgets(patient)
    if not verify_password(patient.password_hash, data["password"]):
        signin.refuse_reauth(patient, budgets, "password", "The password is not right.", "Wrong.")
    services.delete_account(patient, data["password"])
    end_session()
