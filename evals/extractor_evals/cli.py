"""Eval commands, registered on the `extractor` CLI through an entry point."""

from __future__ import annotations

import typer

from .commands import eval_cmd, gold_cmd


def register(app: typer.Typer) -> None:
    gold_cmd.register(app)
    eval_cmd.register(app)
