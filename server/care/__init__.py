"""Care: dosing and integration sessions, phases, and the therapist's read side."""
