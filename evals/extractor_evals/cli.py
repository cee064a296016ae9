"""Eval commands, registered on the `extractor` CLI through an entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .validate import validate_dataset


def validate_gold(
    data: Annotated[Path, typer.Argument(help="Folder of <id>.txt articles with <id>.gold.json.")],
) -> None:
    """Check every gold file: schema, dates, article id and date, evidence spans.

    Exits 1 and lists every problem if any is found.
    """
    console = Console()
    if not data.is_dir():
        raise typer.BadParameter(f"{data} is not a folder", param_hint="DATA")
    checked, problems = validate_dataset(data)
    for problem in problems:
        console.print(f"[red]✗[/] {problem}", highlight=False)
    if problems:
        console.print(f"{len(problems)} problem(s) in {checked} gold files")
        raise typer.Exit(1)
    console.print(f"[green]✓[/] {checked} gold files valid")


def register(app: typer.Typer) -> None:
    app.command("validate-gold")(validate_gold)
