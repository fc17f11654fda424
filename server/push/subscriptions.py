"""Push subscriptions: one per device, validated as the browser sends them.

Functions flush and never commit; the request commits.
"""

import base64
import hmac
import uuid
from collections.abc import Iterable
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from server.audit.services import record
from server.auth.models import User
from server.db import utcnow
from server.errors import abort
from server.extensions import db
from server.push import outbox, scheduling
from server.push.egress import EgressPolicy
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


#: What the browser is told, for each reason the egress policy gives.
_ENDPOINT_PROBLEMS = {"not a URL": "Not a URL.", "must be https": "Must be an https URL."}


def endpoint_problem(endpoint: str) -> str | None:
    """Why a push endpoint is refused, or None. Never quotes it back.

    The same policy the worker applies when it connects (server.push.egress):
    refusing here tells the browser at once; the worker checks again, on
    every address a name resolves to, because a name can change its mind.
    """
    problem = EgressPolicy.from_config(current_app.config).problem(endpoint)
    if problem is None:
        return None
    return _ENDPOINT_PROBLEMS.get(problem, "Not a push service URL.")


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


#: At most this many devices per account: a new one replaces the least recently seen.
MAX_DEVICES_PER_USER = 5


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
    moves to the new user only if the request proves it is that browser:
    it carries the subscription's own keys, which are never shown to
    anyone. Otherwise 409, and nothing changes. What was queued for the
    previous user on that device is cancelled (they must not see each
    other's reminders), and their audit trail says so.

    Each account keeps at most `MAX_DEVICES_PER_USER` devices; a new one
    replaces the one seen least recently.
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
        if not (
            hmac.compare_digest(subscription.p256dh, p256dh)
            and hmac.compare_digest(subscription.auth, auth)
        ):
            abort(409, "This device's notifications belong to another account.")
        _hand_over(subscription, user)
    subscription.p256dh = p256dh
    subscription.auth = auth
    subscription.expiration_time = expiration_time
    subscription.refreshed_at = utcnow()
    db.session.flush()
    if created or moved:
        _keep_newest_devices(user.id)
        scheduling.plan_user(user)
    return subscription, created or moved


def _hand_over(subscription: PushSubscription, user: User) -> None:
    previous = db.session.get(User, subscription.user_id)
    outbox.cancel_pending(subscription_id=subscription.id, reason="device changed hands")
    if previous is not None:
        record(
            "push_device_moved",
            patient_id=previous.id if previous.is_patient else None,
            object_type="push_subscription",
            object_id=subscription.id,
            clinic_id=previous.clinic_id,
        )
    subscription.user_id = user.id


def _keep_newest_devices(user_id: uuid.UUID) -> None:
    stale = db.session.scalars(
        select(PushSubscription.id)
        .where(PushSubscription.user_id == user_id)
        .order_by(PushSubscription.refreshed_at.desc(), PushSubscription.created_at.desc())
        .offset(MAX_DEVICES_PER_USER)
    ).all()
    remove_subscriptions(stale, reason="replaced by a newer device")


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
