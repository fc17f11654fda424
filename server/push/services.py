"""What other features (and the CLI) call on push: its public service API.

The work is done in modules that match the feature's parts:

- `subscriptions`: devices, validated as the browser sends them;
- `outbox`: what is queued for which device, planned idempotently;
- `scheduling`: when reminders are due (patient's zone, quiet hours);
- `clinic_schedule`: a clinic's own prompt times around dosing sessions;
- `receivers`: what push does when other features announce a change;
- `delivery`, `vapid`: sending and signing;
- `dispatch`: claiming due rows, recording each outcome as it comes;
- `worker`: the loop, and the periodic tasks other features add to it.

Functions flush and never commit; the request or the CLI command commits.
"""

from server.push.outbox import (
    DONE,
    KIND_SETTINGS,
    Planned,
    cancel_by_key_prefix,
    cancel_pending,
    forget_user,
    payload_for,
    queue,
    queue_test,
)
from server.push.subscriptions import (
    remove_subscriptions,
    subscribe,
    subscriptions_of,
    unsubscribe,
    vapid_public_key,
)

__all__ = [
    "DONE",
    "KIND_SETTINGS",
    "Planned",
    "cancel_by_key_prefix",
    "cancel_pending",
    "forget_user",
    "payload_for",
    "queue",
    "queue_test",
    "remove_subscriptions",
    "subscribe",
    "subscriptions_of",
    "unsubscribe",
    "vapid_public_key",
]
