"""The append-only audit log: who read or changed whose data, when, from where."""
