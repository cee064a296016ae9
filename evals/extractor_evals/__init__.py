"""Eval harness: scores predictions against hand-labeled answers."""
