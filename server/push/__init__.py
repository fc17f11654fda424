"""Web Push: subscriptions, the notification outbox, and the delivery worker."""
