"""Validated measures: PHQ-9, GAD-7, PCL-5, scored by the server."""
