"""The `extractor` command line: a thin root, one module per command."""

from .app import app, main

__all__ = ["app", "main"]
