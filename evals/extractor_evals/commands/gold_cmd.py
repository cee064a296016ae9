"""`extractor validate-gold` and `extractor gold-to-predictions`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from extractor_schemas import ExtractionResult, event_adapter
from rich.console import Console

from ..dataset import load_dataset
from ..validate import validate_dataset

DataDir = Annotated[Path, typer.Argument(help="Folder of <id>.txt articles with <id>.gold.json.")]


def validate_gold(data: DataDir) -> None:
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


def gold_to_predictions(
    data: DataDir,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="JSONL file (default: stdout).")
    ] = None,
) -> None:
    """Write the gold answers as prediction records: the perfect score's input.

    Every gold event must carry its evidence, as predictions need it.

    Example: extractor gold-to-predictions seeds -o gold.jsonl
             extractor eval --data seeds --predictions gold.jsonl   # 1.0 everywhere
    """
    dataset = load_dataset(data)
    sink = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        for item in dataset.items:
            events = [
                event_adapter.validate_python(e.model_dump(exclude={"evidence_span"}))
                for e in item.gold.events
            ]
            record = ExtractionResult(
                article_id=item.article.id,
                published=item.gold.published,
                events=events,
                model="gold",
                prompt_version="gold",
                attempts=1,
                requests=1,
                latency_s=0.0,
            )
            sink.write(record.model_dump_json() + "\n")
    finally:
        if output:
            sink.close()


def register(app: typer.Typer) -> None:
    app.command("validate-gold")(validate_gold)
    app.command("gold-to-predictions")(gold_to_predictions)
