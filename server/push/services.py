"""Push subscriptions and the notification outbox.

Functions flush and never commit; the request or the CLI command commits.
Nothing here sends: the worker (server/push/worker.py) does, outside any
request.
"""

import base64
import functools
import hashlib
import ipaddress
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from server.auth.models import User
from server.db import utcnow
from server.errors import abort
from server.extensions import db
from server.push.delivery import encode_payload, private_key_from_b64, public_key_b64
from server.push.models import Notification, PushSubscription

#: What each kind shows, its lifetime at the push service and its urgency.
#: Generic on purpose: a lock screen is not private, so no text here says
#: what the app is for or anything the patient wrote.
KIND_SETTINGS = {
    "checkin_reminder": {
        "body": "Time for your check-in",
        "url": "/#/today",
        "ttl": 4 * 3600,  # an evening reminder is stale by bedtime
        "urgency": "normal",
    },
    "prompt_reminder": {
        "body": "A reflection prompt is waiting",
        "url": "/#/today",
        "ttl": 12 * 3600,
        "urgency": "normal",
    },
    "measure_due": {
        "body": "A short questionnaire is ready",
        "url": "/#/measures",
        "ttl": 24 * 3600,
        "urgency": "low",
    },
    "urgent_flag": {
        "body": "Something needs your attention",
        "url": "/therapist/index.html#/flags",  # the therapist workspace's flags
        "ttl": 24 * 3600,
        "urgency": "high",
    },
    "test": {
        "body": "Notifications are working",
        "url": "/#/settings",
        "ttl": 3600,
        "urgency": "normal",
    },
}
TITLE = "Between"

#: `last_error` of rows cancelled because what they remind of is done; the
#: planner never brings those back.
DONE = "already done"
SUPERSEDED = "superseded"


@functools.cache
def payload_for(kind: str) -> bytes:
    """The JSON the service worker shows for a kind (see pwa/js/push.js)."""
    settings = KIND_SETTINGS[kind]
    return encode_payload(
        {"title": TITLE, "body": settings["body"], "url": settings["url"], "tag": kind}
    )


def vapid_public_key() -> str:
    return public_key_b64(private_key_from_b64(current_app.config["VAPID_PRIVATE_KEY"]))


#: Host names that are never anyone's inbox or site (RFC 2606, RFC 6761).
PLACEHOLDER_SUFFIXES = (".invalid", ".test", ".example", ".localhost", ".local")
PLACEHOLDER_HOSTS = {"localhost", "example.com", "example.org", "example.net"}


def vapid_subject_problem(subject: str | None) -> str | None:
    """Why a VAPID subject will not do for real push services, or None.

    Push services use it to reach the operator; Apple's refuses a placeholder
    (403 BadJwtToken), so in production such a subject means no pushes at all.
    """
    subject = (subject or "").strip()
    if not subject:
        return "VAPID_SUBJECT is not set"
    scheme, _, rest = subject.partition(":")
    if scheme == "mailto":
        host = rest.rsplit("@", 1)[-1] if "@" in rest else ""
    elif scheme == "https":
        try:
            host = urlsplit(subject).hostname or ""
        except ValueError:
            host = ""
    else:
        return "VAPID_SUBJECT must be a mailto: or https: contact"
    host = host.lower().rstrip(".")
    if not host or "." not in host:
        return "VAPID_SUBJECT names no real address"
    if host in PLACEHOLDER_HOSTS or host.endswith(PLACEHOLDER_SUFFIXES):
        return "VAPID_SUBJECT is a placeholder address"
    if host.startswith("[") or _is_ip(host):
        return "VAPID_SUBJECT names no real address"
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


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
        cancel_pending(subscription_id=subscription.id, reason="device changed hands")
        subscription.user_id = user.id
    subscription.p256dh = p256dh
    subscription.auth = auth
    subscription.expiration_time = expiration_time
    subscription.refreshed_at = utcnow()
    db.session.flush()
    if created or moved:
        from server.push import scheduling

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
    cancel_pending(subscription_id=ids, reason=reason)
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


# -- the outbox --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """A notification the scheduler wants, before it is multiplied by devices."""

    kind: str
    #: Names the logical reminder, e.g. "checkin:<user>:2026-03-08".
    key: str
    due_at: datetime
    cause_type: str | None = None
    cause_id: uuid.UUID | None = None


def topic_for(key: str) -> str:
    """An opaque RFC 8030 Topic (at most 32 URL-safe characters) for a reminder."""
    digest = hashlib.sha256(key.encode()).digest()[:24]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _row_values(user_id: uuid.UUID, planned: Planned, subscription_id: uuid.UUID) -> dict:
    settings = KIND_SETTINGS[planned.kind]
    return {
        "id": uuid.uuid4(),
        "user_id": user_id,
        "subscription_id": subscription_id,
        "kind": planned.kind,
        "cause_type": planned.cause_type,
        "cause_id": planned.cause_id,
        "due_at": planned.due_at,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": planned.due_at,
        "topic": topic_for(planned.key),
        "urgency": settings["urgency"],
        "ttl": settings["ttl"],
        "dedupe_key": f"{planned.key}@{subscription_id}",
        "created_at": utcnow(),
    }


def insert_new(rows: list[dict]) -> None:
    """Insert outbox rows, skipping any whose dedupe key is already there.

    Two workers (or a worker and a request) may plan the same reminder at
    once; the unique key makes that harmless.
    """
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"])
    db.session.execute(statement, rows)


def queue(user_id: uuid.UUID, planned: list[Planned], subscription_ids: list[uuid.UUID]) -> None:
    """Queue notifications for each device as they are (no quiet hours, no re-planning)."""
    insert_new([_row_values(user_id, p, s) for p in planned for s in subscription_ids])
    db.session.flush()


def reconcile(
    user_id: uuid.UUID,
    desired: list[Planned],
    subscription_ids: list[uuid.UUID],
    *,
    scope,
    now: datetime,
) -> None:
    """Make the outbox match what the scheduler wants now, idempotently.

    `scope` selects the pending rows this plan is responsible for; those it
    no longer wants are cancelled, those it still wants follow the new time,
    and what is missing is added (only if still in the future). Rows already
    sent or failed are history and stay as they are.
    """
    wanted = {f"{p.key}@{s}": (p, s) for p in desired for s in subscription_ids}
    conditions = [Notification.user_id == user_id, Notification.state == "pending", scope]
    existing = {
        row.dedupe_key: row for row in db.session.scalars(select(Notification).where(*conditions))
    }
    if wanted:
        for row in db.session.scalars(
            select(Notification).where(
                Notification.dedupe_key.in_(list(wanted)), Notification.state == "cancelled"
            )
        ):
            existing[row.dedupe_key] = row
    for key, row in existing.items():
        if key not in wanted:
            if row.state == "pending":
                _cancel(row, SUPERSEDED)
            continue
        planned = wanted[key][0]
        if row.state == "cancelled":
            # Brought back (a session un-cancelled, a reminder time set again),
            # unless it was cancelled because it was already done.
            if row.last_error != DONE and planned.due_at > now:
                row.state = "pending"
                row.last_error = None
                row.due_at = row.next_attempt_at = planned.due_at
        elif row.due_at != planned.due_at and row.attempts == 0:
            row.due_at = row.next_attempt_at = planned.due_at
    insert_new(
        [
            _row_values(user_id, planned, subscription_id)
            for key, (planned, subscription_id) in wanted.items()
            if key not in existing and planned.due_at > now
        ]
    )
    db.session.flush()


def _cancel(row: Notification, reason: str) -> None:
    row.state = "cancelled"
    row.last_error = reason
    row.next_attempt_at = None


def cancel_pending(*, reason: str, **where) -> int:
    """Cancel pending rows matching columns (e.g. cause_type=…, cause_id=…)."""
    conditions = [Notification.state == "pending"]
    for name, value in where.items():
        column = getattr(Notification, name)
        conditions.append(column.in_(value) if isinstance(value, list | tuple) else column == value)
    result = db.session.execute(
        update(Notification)
        .where(*conditions)
        .values(state="cancelled", last_error=reason, next_attempt_at=None),
        execution_options={"synchronize_session": "fetch"},
    )
    db.session.flush()
    return result.rowcount


def cancel_by_key_prefix(user_id: uuid.UUID, prefix: str, *, reason: str) -> int:
    """Cancel a user's pending rows of one logical reminder (all their devices)."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.state == "pending",
            Notification.dedupe_key.like(escaped + "%", escape="\\"),
        )
        .values(state="cancelled", last_error=reason, next_attempt_at=None),
        execution_options={"synchronize_session": "fetch"},
    )
    db.session.flush()
    return result.rowcount


def queue_test(user: User, now: datetime | None = None) -> int:
    """A test notification due now on each of the user's devices; how many."""
    now = now or utcnow()
    devices = [s.id for s in subscriptions_of(user.id)]
    planned = Planned("test", f"test:{uuid.uuid4()}", now, "user", user.id)
    queue(user.id, [planned], devices)
    return len(devices)


def forget_user(user_id: uuid.UUID) -> None:
    """Delete everything push holds about a user (their account is going)."""
    from server.push.models import SessionAnchor

    db.session.execute(delete(Notification).where(Notification.user_id == user_id))
    db.session.execute(delete(PushSubscription).where(PushSubscription.user_id == user_id))
    db.session.execute(delete(SessionAnchor).where(SessionAnchor.patient_id == user_id))
    db.session.flush()


def as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


# -- the clinic's prompt times around dosing sessions ------------------------------------------


def clinic_session_prompts(clinic_id: uuid.UUID) -> dict:
    """The clinic's prompt times around each dosing session, as the API shows them."""
    from server.push import scheduling
    from server.push.models import ClinicPushSchedule

    slots = scheduling.session_prompt_slots(clinic_id)
    return {
        "session_prompts": [
            {"name": s.name, "days": s.days, "at": s.at.strftime("%H:%M")} for s in slots
        ],
        "customised": db.session.get(ClinicPushSchedule, clinic_id) is not None,
    }


def set_clinic_session_prompts(
    clinic_id: uuid.UUID, items: list[dict] | None, now: datetime | None = None
) -> dict:
    """Set (None: back to the defaults) a clinic's prompt times, and move what is queued.

    Every dosing session of the clinic's patients whose prompts may still lie
    ahead is re-planned: pending prompts follow the new times, prompts no
    longer wanted are cancelled, new ones are queued if still in the future.
    What was already sent stays as it was.
    """
    from datetime import time as clock
    from datetime import timedelta

    from server.push import scheduling
    from server.push.models import SessionAnchor

    now = now or utcnow()
    before = scheduling.session_prompt_slots(clinic_id)
    slots = None
    if items is not None:
        slots = [
            scheduling.PromptSlot(item["name"], item["days"], clock.fromisoformat(item["at"]))
            for item in items
        ]
    scheduling.set_session_prompts(clinic_id, slots)
    after = scheduling.session_prompt_slots(clinic_id)
    # A session this long ago has no prompt left to move, under the old times or the new.
    reach = max([s.days for s in (*before, *after)] + [0]) + 2
    anchors = db.session.execute(
        select(SessionAnchor, User)
        .join(User, User.id == SessionAnchor.patient_id)
        .where(
            User.clinic_id == clinic_id,
            SessionAnchor.status != "cancelled",
            SessionAnchor.scheduled_at >= now - timedelta(days=reach),
        )
        .order_by(SessionAnchor.scheduled_at)
    ).all()
    for anchor, patient in anchors:
        scheduling.plan_session(anchor, patient, now)
    return clinic_session_prompts(clinic_id)
