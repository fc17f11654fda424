"""The flags' work that depends on time passing, not on a request.

The push worker calls `run(now)` in its loop (`--once` included), so no
cron is needed; `flask flags scan` runs it by hand.
"""

from datetime import datetime

from server.flags import checkin_rules, escalation, notices


def run(now: datetime) -> dict[str, int]:
    """Raise missed-check-in flags, escalate overdue urgent flags, drop old notices.

    Flushes; the caller commits. Returns counts only: which patients were
    flagged is for the care team, not a log.
    """
    return {
        "missed_checkins": len(checkin_rules.scan_missed_checkins(now)),
        "escalated": len(escalation.escalate_overdue(now)),
        "notices_removed": notices.sweep(now),
    }
