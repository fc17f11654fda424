"""A personal safety plan the patient writes, with their therapist, for hard moments."""
