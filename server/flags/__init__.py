"""Flags a therapist must see, and crisis resources."""
