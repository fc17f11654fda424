"""Push subscriptions: one per device, validated as the browser sends them.

Functions flush and never commit; the request commits.
"""

import base64
import ipaddress
import uuid
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from server.auth.models import User
from server.db import utcnow
from server.errors import abort
from server.extensions import db
from server.push import outbox, scheduling
from server.push.models import PushSubscription
from server.push.vapid import private_key_from_b64, public_key_b64


def vapid_public_key() -> str:
    """The server's VAPID public key: the browser's `applicationServerKey`."""
    return public_key_b64(private_key_from_b64(current_app.config["VAPID_PRIVATE_KEY"]))


# -- validating what a browser sends -----------------------------------------------------------


def _b64url_bytes(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, TypeError):
        return None


def endpoint_problem(endpoint: str) -> str | None:
    """Why a push endpoint is refused, or None. Never quotes it back."""
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "Not a URL."
    if not host or parts.username is not None or parts.password is not None:
        return "Not a push service URL."
    loopback = _is_loopback(host)
    allow_local = current_app.config.get("ALLOW_HTTP_PUSH_ENDPOINTS", False)
    if parts.scheme == "http":
        if loopback and allow_local:
            return None
        return "Must be an https URL."
    if parts.scheme != "https":
        return "Must be an https URL."
    # The worker will POST to this URL; do not let it be pointed at our own
    # network. (Names are not resolved here; an egress proxy is the full fix.)
    if _is_internal_address(host) and not (loopback and allow_local):
        return "Not a push service URL."
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_internal_address(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def p256dh_problem(value: str) -> str | None:
    raw = _b64url_bytes(value)
    if raw is None or len(raw) != 65 or raw[0] != 4:
        return "Must be a base64url uncompressed P-256 public key."
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return "Not a point on P-256."
    return None


def auth_problem(value: str) -> str | None:
    raw = _b64url_bytes(value)
    if raw is None or len(raw) != 16:
        return "Must be 16 bytes, base64url."
    return None


# -- subscriptions -----------------------------------------------------------------------------


def subscribe(
    user: User,
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    expiration_time: datetime | None = None,
) -> tuple[PushSubscription, bool]:
    """Store a device's subscription (upsert by endpoint); True when it is new here.

    A device that changes hands (another user signs in on the same phone)
    moves to the new user, and what was queued for the previous user on it
    is cancelled: they must not see each other's reminders.
    """
    subscription = db.session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    )
    created = False
    if subscription is None:
        subscription = PushSubscription(
            id=uuid.uuid4(),
            user_id=user.id,
            endpoint=endpoint,
            p256dh=p256dh,
            auth=auth,
            expiration_time=expiration_time,
        )
        try:
            with db.session.begin_nested():
                db.session.add(subscription)
        except IntegrityError:
            # The same device posted twice at once; the other request stored it.
            subscription = db.session.scalar(
                select(PushSubscription).where(PushSubscription.endpoint == endpoint)
            )
        else:
            created = True
    moved = subscription.user_id != user.id
    if moved:
        outbox.cancel_pending(subscription_id=subscription.id, reason="device changed hands")
        subscription.user_id = user.id
    subscription.p256dh = p256dh
    subscription.auth = auth
    subscription.expiration_time = expiration_time
    subscription.refreshed_at = utcnow()
    db.session.flush()
    if created or moved:
        scheduling.plan_user(user)
    return subscription, created or moved


def unsubscribe(user: User, endpoint: str) -> None:
    """Forget one of the caller's devices; someone else's is a 404."""
    subscription = db.session.scalar(
        select(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == user.id
        )
    )
    if subscription is None:
        abort(404, "No such subscription.")
    remove_subscriptions([subscription.id], reason="unsubscribed")


def remove_subscriptions(subscription_ids: Iterable[uuid.UUID], *, reason: str) -> None:
    """Delete devices and cancel what was still queued for them."""
    ids = list(subscription_ids)
    if not ids:
        return
    outbox.cancel_pending(subscription_id=ids, reason=reason)
    db.session.execute(
        delete(PushSubscription).where(PushSubscription.id.in_(ids)),
        execution_options={"synchronize_session": False},
    )
    db.session.flush()


def subscriptions_of(user_id: uuid.UUID) -> list[PushSubscription]:
    return list(
        db.session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == user_id)
            .order_by(PushSubscription.created_at)
        )
    )
