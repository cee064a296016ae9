"""Checks on events: grounding, evidence anchoring, dates, repeats and chunk merges."""
