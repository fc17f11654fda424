"""Signals through which features tell each other what happened.

Senders pass identifiers and objects; receivers (push scheduling, flags,
audit) must not assume they run in any order.
"""

from blinker import Namespace

_signals = Namespace()

#: sender=user; a patient's reminder time, quiet hours or zone changed.
settings_changed = _signals.signal("settings-changed")
#: sender=DosingSession; created, moved or cancelled.
dosing_session_changed = _signals.signal("dosing-session-changed")
#: sender=the new item (CheckIn, JournalEntry, MeasureResponse, AfterDoseCheck);
#: first stored (not on a replay).
item_created = _signals.signal("item-created")
#: sender=the item (a check-in, entry, response, intention, reflection or check after
#: a dose); a private item was shared with the care team.
item_shared = _signals.signal("item-shared")
#: sender=Flag; a flag was raised.
flag_raised = _signals.signal("flag-raised")
#: sender=Flag; an urgent flag was left unacknowledged past the clinic's time.
flag_escalated = _signals.signal("flag-escalated")
#: sender=user; an account is about to be deleted with its data.
account_deleting = _signals.signal("account-deleting")
