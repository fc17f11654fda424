"""Demo data: a believable clinic to look around in development."""
