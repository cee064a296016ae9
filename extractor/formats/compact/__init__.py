"""Compact answers for the tuned embedded model."""
