"""The learning curve: eval F1 on seeds/ against the number of training examples."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class CurvePoint:
    examples: int
    event_f1: float
    slot_f1: float
    folder: Path
    data_sha256: str = ""  # the SFT set the run drew its examples from
    whole_set: bool = True  # trained on all of that set, not its first N


def read_point(folder: Path) -> CurvePoint:
    """One training run: its training.json and its eval report.json (in eval/ or beside it)."""
    facts = json.loads((folder / "training.json").read_text(encoding="utf-8"))
    candidates = [folder / "eval" / "report.json", folder / "report.json"]
    report_path = next((path for path in candidates if path.is_file()), None)
    if report_path is None:
        raise FileNotFoundError(
            f"{candidates[0]} is missing: run `extractor eval --data seeds --report {folder}/eval` "
            f"with EXTRACTOR_EMBEDDED_ADAPTER={folder}/events-lora.gguf"
        )
    point = point_from_report(report_path, int(facts["examples_used"]))
    return replace(
        point,
        folder=folder,
        data_sha256=str(facts.get("data_sha256", "")),
        whole_set=facts.get("config", {}).get("limit") is None,
    )


def point_from_report(report_path: Path, examples: int) -> CurvePoint:
    """The event and slot F1 of an eval report.json."""
    summary = json.loads(report_path.read_text(encoding="utf-8"))["summary"]
    return CurvePoint(
        examples=examples,
        event_f1=float(summary["events"]["f1"]),
        slot_f1=float(summary["slots"]["f1"]),
        folder=report_path.parent.parent,
    )


def by_training_set(points: list[CurvePoint]) -> dict[str, list[CurvePoint]]:
    """Points grouped by the SFT set they drew from, each group labelled by that set's size."""
    groups: dict[str, list[CurvePoint]] = {}
    for point in sorted(points, key=lambda p: p.examples):
        groups.setdefault(point.data_sha256, []).append(point)
    labelled: dict[str, list[CurvePoint]] = {}
    for sha, group in groups.items():
        whole = [p.examples for p in group if p.whole_set]
        size = f"{whole[0]}-example set" if whole else "set"
        labelled[f"{size} {sha[:8]}".strip()] = group
    return labelled


def plot_curve(points: list[CurvePoint], out: Path, base: CurvePoint | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 3.8), dpi=120)
    groups = by_training_set(points)
    for number, (label, group) in enumerate(groups.items()):
        xs = [p.examples for p in group]
        suffix = f" ({label})" if len(groups) > 1 else ""
        style = "-" if number == 0 else "--"
        axes.plot(
            xs,
            [p.event_f1 for p in group],
            style,
            marker="o",
            color="C0",
            label=f"event F1{suffix}",
        )
        axes.plot(
            xs, [p.slot_f1 for p in group], style, marker="s", color="C1", label=f"slot F1{suffix}"
        )
    if base is not None:
        axes.axhline(base.event_f1, color="C0", linestyle=":", linewidth=1, label="base event F1")
        axes.axhline(base.slot_f1, color="C1", linestyle=":", linewidth=1, label="base slot F1")
    xs = sorted({p.examples for p in points})
    for point in points:
        axes.annotate(
            f"{point.event_f1:.2f}",
            (point.examples, point.event_f1),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=8,
        )
    axes.set_xlim(0, max(xs) * 1.08)
    axes.set_xticks(xs, [str(x) for x in xs], fontsize=8)
    axes.set_ylim(0, 1)
    axes.set_xlabel("distinct training examples")
    axes.set_ylabel("F1 on seeds/ (49 articles)")
    axes.set_title("Learning curve of the events LoRA adapter")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out)
    plt.close(figure)
