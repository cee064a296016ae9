"""`extractor batch INPUT... -o results.jsonl`: resumable, concurrent batch extraction."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ..batch.cache import ResultCache, default_cache_dir
from ..batch.inputs import count_items, read_inputs, resolve
from ..batch.openai_batch import export_requests, import_results
from ..batch.prices import PriceTable, load_prices
from ..batch.progress import BatchProgress
from ..batch.runner import run_batch
from ..batch.sink import JsonlSink
from ..batch.summary import BatchSummary, print_summary
from ..errors import ArticleError, ConfigError, ExtractorError
from ..pipeline import Extractor
from .options import BaseUrl, MaxReasks, Model, settings_from

EMBEDDED_CONCURRENCY = 1  # llama.cpp's server answers one request at a time


class BatchUsageError(ExtractorError):
    """Options that do not go together (shown as one `error:` line)."""


def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Article files (*.txt), JSON Lines files (*.jsonl: {id, published, text} per "
            "line), folders of either, glob patterns, or - for JSON Lines on stdin.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Results (JSON Lines); an existing file is resumed."),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency", "-c", min=1, help="Requests in flight \\[default: 8; 1 embedded]."
        ),
    ] = None,
    rpm: Annotated[
        int | None, typer.Option("--rpm", min=1, help="At most this many requests per minute.")
    ] = None,
    tpm: Annotated[
        int | None, typer.Option("--tpm", min=1, help="At most this many tokens per minute.")
    ] = None,
    retry_failed: Annotated[
        bool,
        typer.Option("--retry-failed", help="Extract again the ids whose record is a failure."),
    ] = False,
    cache_dir: Annotated[
        Path | None,
        typer.Option("--cache-dir", help="Result cache folder \\[default: ~/.cache/extractor]."),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Neither read nor fill the cache.")
    ] = False,
    progress: Annotated[
        bool | None,
        typer.Option("--progress/--no-progress", help="Progress bar \\[default: on a terminal]."),
    ] = None,
    prices: Annotated[
        Path | None, typer.Option("--prices", help="Price table (TOML) for the cost estimate.")
    ] = None,
    summary_json: Annotated[
        Path | None, typer.Option("--summary-json", help="Also write the summary here as JSON.")
    ] = None,
    export_openai_batch: Annotated[
        Path | None,
        typer.Option(
            "--export-openai-batch",
            help="Write OpenAI Batch API requests here instead of calling the model.",
        ),
    ] = None,
    import_openai_batch: Annotated[
        Path | None,
        typer.Option(
            "--import-openai-batch",
            help="Turn this Batch API output file into records for the INPUT articles.",
        ),
    ] = None,
    base_url: BaseUrl = None,
    model: Model = None,
    max_reasks: MaxReasks = None,
) -> None:
    """Extract every article into one JSON Lines record per article id.

    A record is a result or a failure (error class, message, attempts); a bad input
    line is a failure too and the batch goes on. Records are appended whole, so a
    crash or kill leaves a valid file; the same command again resumes it, skipping
    ids that have a result (and failures, unless --retry-failed). The last record
    of an id wins; a finished run leaves one record per id. Exits 1 if this run
    wrote any failure.

    Examples:

      extractor batch articles.jsonl -o results.jsonl -c 32 --rpm 500

      extractor batch 'data/**/*.txt' -o results.jsonl --retry-failed

      extractor batch articles.jsonl --export-openai-batch requests.jsonl

      extractor batch articles.jsonl --import-openai-batch batch_output.jsonl -o results.jsonl
    """
    if export_openai_batch and import_openai_batch:
        raise BatchUsageError("use --export-openai-batch or --import-openai-batch, not both")
    if output is None and not export_openai_batch:
        raise BatchUsageError("give the results file with -o/--output")
    if import_openai_batch and not import_openai_batch.is_file():
        raise ArticleError(f"{import_openai_batch}: no such file")
    settings = settings_from(base_url=base_url, model=model, max_reasks=max_reasks)
    sources = resolve(inputs)
    if not sources:
        raise ArticleError("no article files found in the given inputs")
    table = load_prices(prices)
    stderr = Console(stderr=True)
    show = sys.stderr.isatty() if progress is None else progress
    cache = None if no_cache else _open_cache(cache_dir)
    sink = JsonlSink(output, retry_failed=retry_failed).open() if output else None
    try:
        with Extractor(settings) as extractor:
            if export_openai_batch:
                exported = export_requests(
                    extractor, read_inputs(sources), export_openai_batch, sink=sink, cache=cache
                )
                files = ", ".join(str(path) for path in exported.files) or "none"
                stderr.print(f"{exported.requests} requests written to {files}", highlight=False)
                summary = exported.batch
            else:
                assert sink is not None
                _report_resume(sink, stderr)
                total = count_items(sources) if show else None
                with BatchProgress(total, stderr) if show else _no_progress() as bar:
                    if import_openai_batch:
                        imported = import_results(
                            extractor,
                            read_inputs(sources),
                            import_openai_batch,
                            sink,
                            cache=cache,
                            progress=bar,
                        )
                        summary = imported.batch
                        _report_import(imported.unmatched, imported.unreadable, stderr)
                    else:
                        workers = concurrency or (
                            EMBEDDED_CONCURRENCY if settings.uses_embedded else 8
                        )
                        summary = asyncio.run(
                            run_batch(
                                extractor,
                                read_inputs(sources),
                                sink,
                                concurrency=workers,
                                rpm=rpm,
                                tpm=tpm,
                                cache=cache,
                                progress=bar,
                                tune_gc=True,
                            )
                        )
    finally:
        if sink is not None:
            sink.close()
        if cache is not None:
            cache.close()
    _finish(summary, table, stderr, summary_json)
    if summary.failures:
        raise typer.Exit(1)


def _open_cache(cache_dir: Path | None) -> ResultCache:
    directory = cache_dir or default_cache_dir()
    try:
        return ResultCache(directory)
    except OSError as exc:
        raise ConfigError(f"--cache-dir {directory}: {exc.strerror or exc}") from None


class _no_progress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        pass


def _report_resume(sink: JsonlSink, console: Console) -> None:
    state = sink.resumed
    if state.results or state.failures:
        console.print(
            f"resuming {sink.path}: {state.results} results and {state.failures} failures "
            "already there",
            highlight=False,
        )
    if state.torn_bytes:
        console.print(f"cut off a torn last line ({state.torn_bytes} bytes)", style="yellow")
    if state.unreadable:
        console.print(
            f"{state.unreadable} lines of {sink.path} are not records; they will be dropped",
            style="yellow",
        )


def _report_import(unmatched: list[str], unreadable: int, console: Console) -> None:
    if unmatched:
        shown = ", ".join(unmatched[:5]) + (" ..." if len(unmatched) > 5 else "")
        console.print(
            f"{len(unmatched)} answers match no input article (custom_id {shown})",
            style="yellow",
            highlight=False,
        )
    if unreadable:
        console.print(f"{unreadable} lines of the Batch API output are not JSON", style="yellow")


def _finish(
    summary: BatchSummary, table: PriceTable, console: Console, summary_json: Path | None
) -> None:
    summary.price(table)
    print_summary(summary, console, table)
    if summary_json is not None:
        summary_json.write_text(json.dumps(summary.as_dict(), indent=2) + "\n", encoding="utf-8")


def register(app: typer.Typer) -> None:
    app.command("batch")(batch)
