"""The adapter's model card: training facts, loss curve, eval figures before and after."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .train import LossPoint

BASE_REPORT = Path("docs/quality/embedded-base/report.json")
_ROWS = (
    ("event F1", ("events", "f1")),
    ("event precision", ("events", "precision")),
    ("event recall", ("events", "recall")),
    ("slot F1", ("slots", "f1")),
    ("grounding rate", ("grounding_rate",)),
    ("schema-valid rate", ("schema_valid_rate",)),
    ("tokens per article", ("tokens_per_article",)),
    ("latency p50 (s)", ("latency_p50_s",)),
)


def write_loss_plot(points: Sequence[LossPoint], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.2), dpi=120)
    axes.plot([p.examples_seen for p in points], [p.loss for p in points], linewidth=1.2)
    axes.set_xlabel("training examples seen")
    axes.set_ylabel("loss (answer tokens)")
    axes.set_title("LoRA fine-tuning loss")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _summary(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    summary: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["summary"]
    return summary


def _figure(summary: dict[str, Any] | None, keys: tuple[str, ...]) -> str:
    value: Any = summary
    for key in keys:
        if not isinstance(value, dict):
            return "–"
        value = value.get(key)
    if value is None:
        return "–"
    return f"{value:,.0f}" if keys == ("tokens_per_article",) else f"{value:.3f}"


def eval_table(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    lines = ["| seeds/ (49 articles) | base model | with this adapter |", "| --- | ---: | ---: |"]
    lines += [f"| {name} | {_figure(before, k)} | {_figure(after, k)} |" for name, k in _ROWS]
    return "\n".join(lines)


def write_card(
    folder: Path, before_report: Path = BASE_REPORT, after_report: Path | None = None
) -> Path:
    """(Re)write MODEL_CARD.md from training.json and the eval reports, when present."""
    facts = json.loads((folder / "training.json").read_text(encoding="utf-8"))
    config = facts["config"]
    after_path = after_report or folder / "eval" / "report.json"
    after = _summary(after_path)
    table = (
        eval_table(_summary(before_report), after)
        if after
        else (
            "Not evaluated yet: `extractor eval --data seeds --report "
            f"{folder}/eval`, then `extractor model-card {folder}`."
        )
    )
    epochs = config["epochs"]
    text = f"""# events-lora: Gemma 3 270M tuned to extract events-v1 events

A LoRA adapter (`events-lora.gguf`, {facts["adapter_bytes"] / 1e6:.1f} MB) over the bundled
`{facts["base_model"]}`. It answers in the compact format (`extractor/compact.py`),
which the extractor decodes, validates and grounds like any other answer. The
embedded default loads it.

## Training

- Data: `{facts["data"]}`, sha256 `{facts["data_sha256"]}`:
  {facts["examples_used"]} examples used, {facts["examples_skipped_too_long"]} skipped as
  too long. None of them is a `seeds/` article (`tests/test_training_data.py` checks).
- LoRA r={config["rank"]}, alpha={config["alpha"]} on all attention and MLP projections.
- AdamW, learning rate {config["learning_rate"]:g} with linear warm-up and decay,
  {config["accumulate"]} examples per update, frozen base weights in \
{config.get("base_dtype", "float32")} with bf16 autocast, loss on the answer tokens only.
- {facts["steps"]} steps ({epochs:g} {"epoch" if epochs == 1 else "epochs"}, \
{facts["updates"]} updates), seed {config["seed"]}, {config["threads"]} CPU threads:
  {facts["train_seconds"] / 60:.1f} min of training, {facts["total_seconds"] / 60:.1f} min in all.
- Loss {facts["first_loss"]} → {facts["final_loss"]} (per update in `loss.jsonl`):

![loss curve](loss.png)

Reproduce: `extractor train --out {folder} --epochs {epochs:g} --seed {config["seed"]}
--accumulate {config["accumulate"]} --learning-rate {config["learning_rate"]:g}`
(`make train` first rebuilds the data set with `extractor augment` and `extractor build-sft`).

## Eval on seeds/ (never trained on)

{table}
"""
    path = folder / "MODEL_CARD.md"
    path.write_text(text, encoding="utf-8")
    return path
