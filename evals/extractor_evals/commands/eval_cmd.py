"""`extractor eval`: score predictions, or a live run, against a labeled data set."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from extractor import Extractor
from extractor.cli.options import BaseUrl, Model, settings_from

from ..dataset import DatasetError, load_dataset
from ..gates import GateError, deltas, failed_bars, parse_bars
from ..live import predict
from ..names import NameMatcher
from ..predictions import Prediction, read_predictions
from ..report import Report
from ..scoring import score_dataset
from ..writer import write_reports


def eval_command(
    data: Annotated[
        Path,
        typer.Option(
            "--data", help="Folder of <id>.txt articles with <id>.gold.json (and aliases.json)."
        ),
    ],
    predictions: Annotated[
        Path | None,
        typer.Option(
            "--predictions",
            help="JSONL from `extractor extract`/`batch` (or {article_id, events} lines). "
            "Omit to run the configured backend on the data now.",
        ),
    ] = None,
    report_dir: Annotated[
        Path | None,
        typer.Option("--report", help="Write report.json, report.md and report.html here."),
    ] = None,
    fail_under: Annotated[
        str | None,
        typer.Option(
            "--fail-under",
            help="Exit 1 if a metric is below its bar, e.g. event_f1=0.6,slot_f1=0.5.",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="An earlier report.json; print the change of each metric."),
    ] = None,
    subset: Annotated[
        list[str] | None,
        typer.Option(
            "--subset",
            help="Score only this subset (repeatable): the data folder's own articles are "
            "named after it, each subfolder with gold files after the subfolder.",
        ),
    ] = None,
    aliases: Annotated[
        list[Path] | None,
        typer.Option("--aliases", help='More alias files ({"groups": [[name, alias], ...]}).'),
    ] = None,
    save_predictions: Annotated[
        Path | None,
        typer.Option("--save-predictions", help="Live run: also write its records as JSONL."),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency", min=1, help="Live run: articles in flight [default: 1 embedded, 8]."
        ),
    ] = None,
    base_url: BaseUrl = None,
    model: Model = None,
) -> None:
    """Score extraction quality: event and slot P/R/F1, per-type F1, grounding,
    schema-valid rate, tokens and latency, exactly as the events-v1 spec defines them.

    Examples:

      extractor eval --data seeds --predictions out/seeds.jsonl --report out/eval

      extractor eval --data seeds --report out/live          # runs the model now

      extractor eval --data seeds --predictions new.jsonl \\
        --baseline out/eval/report.json --fail-under event_f1=0.6,slot_f1=0.5
    """
    console = Console()
    try:
        dataset = load_dataset(data, subset)
        baseline_report = (
            Report.model_validate_json(baseline.read_text(encoding="utf-8")) if baseline else None
        )
        matcher = NameMatcher.from_files(dataset.alias_file, *(aliases or []))
    except (DatasetError, OSError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from None
    known = list_metrics()
    try:
        bars = parse_bars(fail_under or "", known)
    except GateError as exc:
        raise typer.BadParameter(str(exc), param_hint="--fail-under") from None

    if predictions is not None:
        try:
            found: dict[str, Prediction] = read_predictions(predictions)
        except (OSError, ValueError) as exc:
            raise typer.BadParameter(str(exc), param_hint="--predictions") from None
        source = str(predictions)
    else:
        found, source = _live(dataset, concurrency, save_predictions, base_url, model)

    report = score_dataset(dataset, found, matcher, predictions_source=source)
    _print_summary(console, report)
    if baseline_report is not None:
        _print_deltas(console, report, baseline_report)
    if report_dir is not None:
        for path in write_reports(report, dataset, report_dir):
            console.print(f"wrote {path}", highlight=False)
    below = failed_bars(report, bars)
    if below:
        for line in below:
            console.print(f"[red]✗ below the bar:[/] {line}", highlight=False)
        raise typer.Exit(1)
    if bars:
        console.print(f"[green]✓[/] every bar met ({fail_under})", highlight=False)


def list_metrics() -> list[str]:
    from extractor_schemas import EVENT_TYPES

    from ..report import GATE_METRICS

    return [*GATE_METRICS, *(f"{t}_f1" for t in EVENT_TYPES)]


def _live(
    dataset: object,
    concurrency: int | None,
    save_predictions: Path | None,
    base_url: str | None,
    model: str | None,
) -> tuple[dict[str, Prediction], str]:
    from ..dataset import Dataset

    assert isinstance(dataset, Dataset)
    settings = settings_from(base_url=base_url, model=model)
    in_flight = concurrency or (1 if settings.uses_embedded else 8)
    with Extractor(settings) as extractor:
        found = asyncio.run(predict(extractor, dataset, concurrency=in_flight))
        source = f"live run of {extractor.model} (prompt {extractor.prompt_version})"
    if save_predictions is not None:
        with save_predictions.open("w", encoding="utf-8") as sink:
            for item in dataset.items:
                sink.write(found[item.article.id].model_dump_json() + "\n")
    return found, source


def _print_summary(console: Console, report: Report) -> None:
    s = report.summary
    table = Table(title=f"{s.articles} articles · {', '.join(report.models) or 'no model'}")
    for column in ("", "articles", "precision", "recall", "F1", "TP", "FP", "FN"):
        table.add_column(column, justify="right" if column else "left")
    rows = [*((f"{name}: ", summary) for name, summary in report.subsets.items())]
    rows.append(("all: " if rows else "", s))
    for prefix, summary in rows:
        for name, counts in (("events", summary.events), ("slots", summary.slots)):
            table.add_row(
                prefix + name,
                str(summary.articles),
                f"{counts.precision:.3f}",
                f"{counts.recall:.3f}",
                f"{counts.f1:.3f}",
                str(counts.tp),
                str(counts.fp),
                str(counts.fn),
            )
    console.print(table)
    per_type = ", ".join(f"{t} {score.events.f1:.2f}" for t, score in s.per_type.items())
    console.print(f"per-type event F1: {per_type}", highlight=False)
    errors = ", ".join(f"{kind} {count}" for kind, count in list(s.error_kinds.items())[:6])
    if errors:
        console.print(f"most frequent errors: {errors}", highlight=False)
    console.print(
        f"grounding rate {s.grounding_rate:.3f} · schema-valid rate {s.schema_valid_rate:.3f} · "
        f"tokens {s.usage.total_tokens:,} ({s.tokens_per_article:,.0f}/article) · latency p50 "
        f"{_s(s.latency_p50_s)} p95 {_s(s.latency_p95_s)} · "
        + ", ".join(f"{k} {v}" for k, v in s.outcomes.items()),
        highlight=False,
    )


def _print_deltas(console: Console, report: Report, baseline: Report) -> None:
    table = Table(title="change against the baseline")
    for column in ("metric", "baseline", "now", "Δ"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for name, before, now, change in deltas(report, baseline):
        style = "green" if change > 1e-9 else "red" if change < -1e-9 else ""
        table.add_row(
            name, f"{before:.3f}", f"{now:.3f}", f"[{style}]{change:+.3f}[/]" if style else "0.000"
        )
    console.print(table)


def _s(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}s"


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)
