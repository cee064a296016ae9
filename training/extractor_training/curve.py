"""The learning curve: eval F1 on seeds/ against the number of training examples."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CurvePoint:
    examples: int
    event_f1: float
    slot_f1: float
    folder: Path


def read_point(folder: Path) -> CurvePoint:
    """One training run: its training.json and the eval report in its eval/ folder."""
    facts = json.loads((folder / "training.json").read_text(encoding="utf-8"))
    report_path = folder / "eval" / "report.json"
    if not report_path.is_file():
        raise FileNotFoundError(
            f"{report_path} is missing: run `extractor eval --data seeds --report {folder}/eval` "
            f"with EXTRACTOR_EMBEDDED_ADAPTER={folder}/events-lora.gguf"
        )
    return point_from_report(report_path, int(facts["examples_used"]))


def point_from_report(report_path: Path, examples: int) -> CurvePoint:
    """The event and slot F1 of an eval report.json."""
    summary = json.loads(report_path.read_text(encoding="utf-8"))["summary"]
    return CurvePoint(
        examples=examples,
        event_f1=float(summary["events"]["f1"]),
        slot_f1=float(summary["slots"]["f1"]),
        folder=report_path.parent.parent,
    )


def plot_curve(points: list[CurvePoint], out: Path, base: CurvePoint | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = sorted(points, key=lambda p: p.examples)
    figure, axes = plt.subplots(figsize=(6, 3.6), dpi=120)
    xs = [p.examples for p in points]
    axes.plot(xs, [p.event_f1 for p in points], marker="o", label="event F1")
    axes.plot(xs, [p.slot_f1 for p in points], marker="s", label="slot F1")
    if base is not None:
        axes.axhline(base.event_f1, color="C0", linestyle=":", linewidth=1, label="base event F1")
        axes.axhline(base.slot_f1, color="C1", linestyle=":", linewidth=1, label="base slot F1")
    for point in points:
        axes.annotate(
            f"{point.event_f1:.2f}",
            (point.examples, point.event_f1),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=8,
        )
    axes.set_xscale("log")
    axes.minorticks_off()
    axes.set_xticks(xs, [str(x) for x in xs])
    axes.set_ylim(0, 1)
    axes.set_xlabel("training examples (one pass each)")
    axes.set_ylabel("F1 on seeds/ (49 articles)")
    axes.set_title("Learning curve of the events LoRA adapter")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out)
    plt.close(figure)
