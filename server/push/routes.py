"""Web Push: the VAPID key and this device's subscription. Views stay thin.

Nothing here sends a push: the worker does, outside any request.
"""

from flask_login import current_user
from flask_smorest import Blueprint

from server import access
from server.push import scheduling, services
from server.push.schemas import (
    SubscriptionSchema,
    SubscriptionStoredSchema,
    UnsubscribeSchema,
    VapidKeySchema,
)

# Importing scheduling connects its signal receivers; this module is imported
# at start-up (server.features), so reminders are planned from the first request.
scheduling.connect()

blp = Blueprint("push", __name__, url_prefix="/api/v1", description="Web Push")


@blp.route("/push/vapid-public-key")
@blp.response(200, VapidKeySchema)
def vapid_public_key():
    """The server's VAPID public key, for `pushManager.subscribe`.

    Public by nature, and open to the service worker even when the session
    has ended (it re-subscribes on `pushsubscriptionchange`).
    """
    return {"public_key": services.vapid_public_key()}


@blp.route("/push/subscriptions", methods=["POST"])
@access.signed_in
@blp.arguments(SubscriptionSchema)
@blp.response(201, SubscriptionStoredSchema)
@blp.alt_response(200, schema=SubscriptionStoredSchema, description="Already known")
def subscribe(data):
    """Register (or refresh) this device's push subscription: 201 new, 200 known."""
    subscription, new = services.subscribe(
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
    services.unsubscribe(current_user, data["endpoint"])
