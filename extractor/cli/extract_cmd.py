"""`extractor extract FILE...`: extract events from article files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from extractor_schemas import ExtractionFailure, ExtractionResult
from rich.console import Console

from ..articles import read_article_file
from ..errors import ArticleError, ExtractionError
from ..pipeline import Extractor
from .io import article_paths
from .options import BaseUrl, MaxReasks, Model, settings_from


def extract(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Article files (UTF-8, optional ' date YYYY-MM-DD' prefix) or folders of *.txt."
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write JSON Lines here instead of stdout.")
    ] = None,
    pretty: Annotated[
        bool, typer.Option("--pretty", help="Indent the JSON (stdout only).")
    ] = False,
    base_url: BaseUrl = None,
    model: Model = None,
    max_reasks: MaxReasks = None,
) -> None:
    """Extract events from each article and print one JSON record per article.

    A record is either a result (events with evidence offsets, model, prompt
    version, token usage, attempts, latency) or a failure with its reason.
    Exits 1 if any article failed.

    Examples:

      extractor extract seeds/000_0cd24d71fac579ce.txt --pretty

      EXTRACTOR_BASE_URL=https://api.openai.com/v1 EXTRACTOR_MODEL=gpt-4o-mini \\
        EXTRACTOR_API_KEY=... extractor extract seeds/ -o results.jsonl
    """
    settings = settings_from(base_url=base_url, model=model, max_reasks=max_reasks)
    paths = list(article_paths(files))
    if not paths:
        raise ArticleError("no article files found in the given paths")
    status = Console(stderr=True)
    failed = 0
    sink = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        with Extractor(settings) as extractor:
            extractor.connect()
            for number, path in enumerate(paths, 1):
                status.print(f"[{number}/{len(paths)}] {path.name}", highlight=False)
                record = _extract_one(extractor, path)
                failed += isinstance(record, ExtractionFailure)
                indent = 2 if pretty and output is None else None
                sink.write(record.model_dump_json(indent=indent) + "\n")
                sink.flush()
    finally:
        if output:
            sink.close()
    if failed:
        status.print(f"{failed} of {len(paths)} articles failed", style="red")
        raise typer.Exit(1)


def _extract_one(extractor: Extractor, path: Path) -> ExtractionResult | ExtractionFailure:
    try:
        article = read_article_file(path)
    except ArticleError as exc:
        return ExtractionFailure(
            article_id=path.stem, error_class="article_error", message=str(exc)
        )
    try:
        return extractor.extract(article)
    except ExtractionError as exc:
        return exc.as_record(article.id)
    except ArticleError as exc:  # e.g. longer than EXTRACTOR_MAX_ARTICLE_CHARS
        return ExtractionFailure(
            article_id=article.id, error_class="article_error", message=str(exc)
        )


def register(app: typer.Typer) -> None:
    app.command("extract")(extract)
