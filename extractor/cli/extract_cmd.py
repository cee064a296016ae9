"""`extractor extract INPUT...`: extract events from articles, one record each."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, TextIO

import typer
from extractor_schemas import ExtractionFailure, Record
from rich.console import Console

from ..articles import decode_article, parse_article
from ..batch.inputs import STDIN, InputFailure, InputItem, read_inputs, resolve
from ..errors import ArticleError, ExtractionError
from ..pipeline import Extractor
from .options import BaseUrl, MaxReasks, Model, settings_from


def extract(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT",
            help="Article files (UTF-8 text, optional ' date YYYY-MM-DD' first line), JSON Lines "
            "files ({id, published, text} per line), folders of them, or - for one article's "
            "text on standard input.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write JSON Lines here instead of stdout.")
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(
            "--published",
            metavar="YYYY-MM-DD",
            help="Publication date for articles that carry none (relative dates resolve "
            "against it).",
        ),
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
    version, token usage, attempts, latency) or a failure with its reason; a line
    of a JSON Lines file that is not an article is a failure record too.
    Exits 1 if any article failed. For many articles, `extractor batch` is faster
    and resumable.

    Examples:

      extractor extract seeds/000_0cd24d71fac579ce.txt --pretty

      echo "Acme met Beta Corp in Paris on Monday." | extractor extract - --published 2025-05-27

      EXTRACTOR_BASE_URL=https://api.openai.com/v1 EXTRACTOR_MODEL=gpt-4o-mini \\
        EXTRACTOR_API_KEY=... extractor extract seeds/ -o results.jsonl
    """
    settings = settings_from(base_url=base_url, model=model, max_reasks=max_reasks)
    day = _date(published)
    items = list(_items(inputs, day))
    if not items:
        raise ArticleError("no articles found in the given inputs")
    status = Console(stderr=True)
    sink: TextIO = output.open("w", encoding="utf-8") if output else sys.stdout
    failed = 0
    try:
        with Extractor(settings) as extractor:
            if any(not isinstance(item, InputFailure) for item in items):
                extractor.connect()  # no server is started when no input is an article
            for number, item in enumerate(items, 1):
                name = item.article_id if isinstance(item, InputFailure) else item.id
                status.print(f"[{number}/{len(items)}] {name}", highlight=False, markup=False)
                record = _extract_one(extractor, item)
                failed += isinstance(record, ExtractionFailure)
                indent = 2 if pretty and output is None else None
                sink.write(record.model_dump_json(indent=indent) + "\n")
                sink.flush()
    finally:
        if output:
            sink.close()
    if failed:
        status.print(f"{failed} of {len(items)} articles failed", style="red")
        raise typer.Exit(1)


def _date(published: str | None) -> date | None:
    if published is None:
        return None
    try:
        return date.fromisoformat(published)
    except ValueError:
        raise typer.BadParameter(
            f"{published!r} is not a YYYY-MM-DD date", param_hint="--published"
        ) from None


def _items(inputs: list[str], published: date | None) -> Iterator[InputItem]:
    """Every input as an article or the reason it is not one; `-` is one article's text."""
    named = [given for given in inputs if given != STDIN]
    if len(named) < len(inputs):
        text = decode_article(sys.stdin.buffer.read(), "standard input")
        try:
            yield parse_article(text, "stdin", published)
        except ArticleError as exc:
            yield InputFailure("stdin", str(exc))
    for item in read_inputs(resolve(named)):
        if published is not None and not isinstance(item, InputFailure) and item.published is None:
            item = item.model_copy(update={"published": published})
        yield item


def _extract_one(extractor: Extractor, item: InputItem) -> Record:
    if isinstance(item, InputFailure):
        return item.as_record()
    try:
        return extractor.extract(item)
    except ExtractionError as exc:
        return exc.as_record(item.id)
    except ArticleError as exc:  # longer than EXTRACTOR_MAX_ARTICLE_CHARS: as `batch` records it
        return InputFailure(item.id, str(exc)).as_record()


def register(app: typer.Typer) -> None:
    app.command("extract")(extract)
