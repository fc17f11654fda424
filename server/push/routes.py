"""Web Push: the VAPID key and this device's subscription. Views stay thin.

Nothing here sends a push: the worker does, outside any request.
"""

from flask_login import current_user
from flask_smorest import Blueprint

from server import access
from server.api import replaces
from server.audit.services import record
from server.push import clinic_schedule, subscriptions
from server.push.schemas import (
    ClinicPushScheduleSchema,
    SubscriptionSchema,
    SubscriptionStoredSchema,
    UnsubscribeSchema,
    VapidKeySchema,
)

# This module is imported at start-up (server.features), so reminders are
# planned from the first request.

blp = Blueprint("push", __name__, url_prefix="/api/v1", description="Web Push")


@blp.route("/push/vapid-public-key")
@blp.response(200, VapidKeySchema)
def vapid_public_key():
    """The server's VAPID public key, for `pushManager.subscribe`.

    Public by nature, and open to the service worker even when the session
    has ended (it re-subscribes on `pushsubscriptionchange`).
    """
    return {"public_key": subscriptions.vapid_public_key()}


@blp.route("/push/subscriptions", methods=["POST"])
@access.signed_in
@blp.arguments(SubscriptionSchema)
@blp.response(201, SubscriptionStoredSchema)
@blp.alt_response(200, schema=SubscriptionStoredSchema, description="Already known")
@blp.alt_response(
    409, description="The endpoint is another account's and the keys are not that device's."
)
def subscribe(data):
    """Register (or refresh) this device's push subscription: 201 new, 200 known."""
    subscription, new = subscriptions.subscribe(
        current_user,
        endpoint=data["endpoint"],
        p256dh=data["keys"]["p256dh"],
        auth=data["keys"]["auth"],
        expiration_time=data["expiration_time"],
    )
    return subscription, 201 if new else 200


@blp.route("/push/subscriptions", methods=["DELETE"])
@access.signed_in
@blp.arguments(UnsubscribeSchema)
@blp.response(204)
@blp.alt_response(404, description="No device of mine has this endpoint.")
def unsubscribe(data):
    """Forget this device; only the caller's own subscriptions."""
    subscriptions.unsubscribe(current_user, data["endpoint"])


@blp.route("/clinic/push-schedule")
@access.staff_only
@blp.response(200, ClinicPushScheduleSchema)
def clinic_push_schedule():
    """When my clinic's patients are prompted around each dosing session."""
    return clinic_schedule.clinic_session_prompts(current_user.clinic_id)


@blp.route("/clinic/push-schedule", methods=["PUT"])
@access.admin_only
@replaces(blp, ClinicPushScheduleSchema)
def set_clinic_push_schedule(data):
    """Replace my clinic's prompt times (null: the defaults); queued prompts move with them.
    Send the `version` you read."""
    result = clinic_schedule.set_clinic_session_prompts(
        current_user.clinic_id, data["session_prompts"], version=data["version"]
    )
    record("push_schedule_changed", object_type="clinic", object_id=current_user.clinic_id)
    return result
