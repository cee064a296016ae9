"""Training-data commands, registered on the `extractor` CLI through an entry point."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from extractor_evals.validate import validate_dataset
from rich.console import Console
from rich.progress import track

from .augment import Augmenter
from .card import BASE_REPORT, write_card
from .curve import by_training_set, plot_curve, point_from_report, read_point
from .dedup import THRESHOLD, eval_articles, most_similar, same_stories
from .examples import Example, read_examples
from .provenance import (
    batch_of,
    hand_row,
    read_batches,
    read_manifest,
    read_sources,
    sha256,
    variant_row,
    write_manifest,
)
from .sft import StaleDataError, build_sft
from .train_cmd import DEFAULT_OUT, train_command

DEFAULT_SEED = 8
DEFAULT_VARIANTS = 1
_Dir = Annotated[Path, typer.Option(file_okay=False)]
_InDir = Annotated[Path, typer.Option(exists=True, file_okay=False)]
_InFile = Annotated[Path, typer.Option(exists=True, dir_okay=False)]


def _fail_on_problems(console: Console, folder: Path) -> int:
    checked, problems = validate_dataset(folder)
    for problem in problems:
        console.print(f"[red]✗[/] {problem}", highlight=False)
    if problems:
        console.print(f"{len(problems)} problem(s) in {checked} gold files of {folder}")
        raise typer.Exit(1)
    return checked


def _clear_generated(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for path in [*folder.glob("*.txt"), *folder.glob("*.gold.json")]:
        path.unlink()


def augment(
    articles: _InDir = Path("training/articles"),
    out: _Dir = Path("training/augmented"),
    manifest: Annotated[Path, typer.Option(dir_okay=False)] = Path("training/manifest.jsonl"),
    batches: _InFile = Path("training/batches.json"),
    sources: Annotated[
        Path, typer.Option(file_okay=False, help="Where the rewritten articles come from.")
    ] = Path("training/sources"),
    evals: Annotated[
        Path, typer.Option(exists=True, file_okay=False, help="Eval set to keep apart.")
    ] = Path("seeds"),
    variants: Annotated[
        int, typer.Option(min=0, help="Variants per hand example.")
    ] = DEFAULT_VARIANTS,
    seed: int = DEFAULT_SEED,
    show_rejections: bool = False,
) -> None:
    """Write consistent variants of the hand-labeled articles, check them, record the manifest.

    Every variant is re-checked against its source and every gold file with the
    project's validator; the command fails if any training article is a near-duplicate
    of an eval article. OUT is cleared of old variants first.
    """
    console = Console()
    hand_count = _fail_on_problems(console, articles)
    examples = list(read_examples(articles))
    batch_list = read_batches(batches)
    origins = read_sources(sources)
    missing = [
        e.id
        for e in examples
        if batch_of(e.id, batch_list).name.startswith("real-") and e.id not in origins
    ]
    if missing:
        console.print(f"[red]✗[/] rewritten articles without a source url: {missing[:5]}")
        raise typer.Exit(1)
    rows = [hand_row(example, batch_list, origins) for example in examples]
    augmenter = Augmenter(seed)
    made: list[Example] = []
    rejections: list[str] = []
    short: list[str] = []
    for example in track(examples, description="augmenting", console=console):
        new, rejected = augmenter.variants(example, variants)
        made += new
        rejections += rejected
        rows += [variant_row(variant, seed) for variant in new]
        if len(new) < variants:
            short.append(f"{example.id} ({len(new)}/{variants})")
    _clear_generated(out)
    for variant in made:
        variant.write(out)
    _fail_on_problems(console, out)
    train = {e.id: e.text for e in [*examples, *made]}
    eval_texts = eval_articles(evals)
    closest = most_similar(train, eval_texts)
    duplicates = [str(pair) for pair in closest if pair.score >= THRESHOLD]
    duplicates += [str(pair) for pair in same_stories(train, eval_texts)]
    for duplicate in duplicates:
        console.print(f"[red]✗[/] an eval article's text or story: {duplicate}", highlight=False)
    if duplicates:
        raise typer.Exit(1)
    write_manifest(manifest, rows)
    reasons = Counter(r.split(": ", 1)[1].split(" '")[0].split(" (")[0] for r in rejections)
    console.print(
        f"[green]✓[/] {hand_count} hand-labeled + {len(made)} augmented = {len(rows)} examples "
        f"(seed {seed}, {variants} per article); gold files valid"
    )
    console.print(f"rejected draws: {len(rejections)}, examples short of variants: {len(short)}")
    for reason, count in reasons.most_common(8):
        console.print(f"  {count:4d}  {reason}", highlight=False)
    if short:
        console.print("  short: " + ", ".join(short), highlight=False)
    if show_rejections:
        for rejection in rejections:
            console.print(f"  {rejection}", highlight=False)
    if closest:
        console.print(f"closest to an eval article: {closest[0]} (limit {THRESHOLD:.0%})")
    digest = sha256(manifest.read_text(encoding="utf-8"))
    console.print(f"manifest: {manifest} (sha256 {digest[:16]}), variants in {out}/")


def build_sft_command(
    manifest: _InFile = Path("training/manifest.jsonl"),
    hand: _InDir = Path("training/articles"),
    augmented: _InDir = Path("training/augmented"),
    out: Annotated[Path, typer.Option("--out", "-o", dir_okay=False)] = Path(
        "training/sft/sft.jsonl"
    ),
) -> None:
    """Build the fine-tuning set: per manifest example, the compact prompt and answer (JSONL).

    Writes OUT and OUT with `.meta.json` (counts, format and prompt versions, sha256).
    Fails if an example differs from the manifest.
    """
    console = Console()
    try:
        stats = build_sft(read_manifest(manifest), {"hand": hand, "augmented": augmented}, out)
    except StaleDataError as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    summary = stats.as_dict()
    summary["manifest_sha256"] = sha256(manifest.read_text(encoding="utf-8"))
    meta = out.with_name(out.name.removesuffix(".jsonl") + ".meta.json")
    meta.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    console.print(
        f"[green]✓[/] {summary['examples']} examples {summary['by_source']}, "
        f"{summary['events']} events, {summary['examples_without_events']} without events"
    )
    console.print(f"events by type: {summary['events_by_type']}", highlight=False)
    console.print(
        f"chars per example: prompt {summary['prompt_chars_mean']} mean / "
        f"{summary['prompt_chars_max']} max, answer {summary['answer_chars_mean']} mean / "
        f"{summary['answer_chars_max']} max"
    )
    console.print(f"data sha256 {stats.sha256}\nwrote {out} and {meta}", highlight=False)


def model_card(
    folder: Annotated[Path, typer.Argument(exists=True, file_okay=False)] = DEFAULT_OUT,
    after: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False, help="Eval report.json of the adapter [default: FOLDER/eval/]."
        ),
    ] = None,
    before: Annotated[
        Path, typer.Option(dir_okay=False, help="Eval report.json of the base model.")
    ] = BASE_REPORT,
) -> None:
    """Rewrite FOLDER/MODEL_CARD.md with the eval figures before and after training."""
    typer.echo(write_card(folder, before, after))


def learning_curve(
    runs: Annotated[
        list[Path],
        typer.Argument(exists=True, file_okay=False, help="`extractor train --out` folders."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", dir_okay=False)] = Path(
        "docs/learning-curve.png"
    ),
    base_report: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="The base model's eval report.")
    ] = BASE_REPORT,
) -> None:
    """Plot eval event and slot F1 against training examples, one point per RUN folder.

    Each RUN needs training.json (from `extractor train`) and an eval report.json, in
    eval/ or beside it. Runs drawn from different SFT sets (by data hash) are drawn as
    separate lines. `make learning-curve` trains on LC_SIZES examples, evaluates each
    and plots them beside the shipped adapter.
    """
    console = Console()
    try:
        points = [read_point(run) for run in runs]
    except (FileNotFoundError, KeyError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from None
    plot_curve(points, out, point_from_report(base_report, 0))
    for label, group in by_training_set(points).items():
        for point in group:
            console.print(
                f"{point.examples:5d} examples of the {label}: event F1 {point.event_f1:.3f}, "
                f"slot F1 {point.slot_f1:.3f}  ({point.folder})",
                highlight=False,
            )
    console.print(f"wrote {out}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("augment")(augment)
    app.command("build-sft")(build_sft_command)
    app.command("train")(train_command)
    app.command("model-card")(model_card)
    app.command("learning-curve")(learning_curve)
