"""Flags a therapist must see."""
