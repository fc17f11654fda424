"""Clinics (the tenant) and care teams."""
