"""The therapist's read side: the caseload, a patient's timeline, the session brief, read marks.

Rules every module here keeps:

- Only shared items (check-ins, journal entries, measure responses) are
  read, from live rows: an item the patient unshares is gone from the next
  request on, and a private item is never counted nor drawn on a chart.
- A fixed number of statements whatever the size of the caseload or the
  history: figures are aggregated in SQL (per-patient index range scans on
  `(patient_id, <time>)`), never in a loop of queries per patient or item.
- Callers decide access (`server.access.patient_in_care`, or the caseload
  which only ever reads the therapist's own care team) and audit the read.

"The window" (`window.py`) is what a therapist reads before an integration
session: from the latest integration session that has happened (not
cancelled, at or before now) on, or the last `DEFAULT_WINDOW` when there was
none yet. The timeline opens on it, the brief covers it and the caseload's
unread count counts in it, so the number on the caseload is what the
timeline shows unread.
"""
