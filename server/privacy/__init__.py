"""A patient's own data: export (JSON, FHIR) and deletion."""
