"""`extractor train` pieces that need no torch, and the committed adapter file itself."""

from __future__ import annotations

import json
import re
from pathlib import Path

import gguf
import pytest
from extractor_training.card import write_card
from extractor_training.curve import by_training_set, read_point
from extractor_training.train import (
    TARGET_MODULES,
    TokenizedExample,
    TrainConfig,
    example_stream,
    training_order,
    updates_planned,
)

from extractor.config import SHIPPED_ADAPTER

ADAPTER_DIR = SHIPPED_ADAPTER.parent


def _records(count: int) -> list[dict[str, object]]:
    return [{"id": f"t{i:03d}", "messages": []} for i in range(count)]


def test_training_order_is_seeded_and_limited() -> None:
    records = _records(40)
    first = training_order(records, TrainConfig(seed=8))
    assert first == training_order(records, TrainConfig(seed=8))
    assert first != records and sorted(r["id"] for r in first) == [r["id"] for r in records]
    assert training_order(records, TrainConfig(seed=8, limit=10)) == first[:10]
    assert training_order(records, TrainConfig(seed=9)) != first


def test_fractional_epochs_give_whole_steps_and_updates() -> None:
    examples = [TokenizedExample(f"e{i}", [1], [2]) for i in range(10)]
    config = TrainConfig(epochs=1.5, accumulate=4)
    stream = [e.id for e in example_stream(examples, config)]
    assert len(stream) == 15
    assert sorted(stream[:10]) == sorted(e.id for e in examples)  # a full pass first
    assert updates_planned(10, config) == 4  # 15 steps, 4 per update, the last one partial


def test_card_reports_training_facts_and_eval_before_after(tmp_path: Path) -> None:
    facts = json.loads((ADAPTER_DIR / "training.json").read_text())
    (tmp_path / "training.json").write_text(json.dumps(facts))
    report = {"summary": {"events": {"f1": 0.61}, "slots": {"f1": 0.52}, "grounding_rate": 1.0}}
    before = {"summary": {"events": {"f1": 0.07}, "slots": {"f1": 0.02}}}
    (tmp_path / "after.json").write_text(json.dumps(report))
    (tmp_path / "before.json").write_text(json.dumps(before))
    card = write_card(tmp_path, tmp_path / "before.json", tmp_path / "after.json").read_text()
    assert facts["data_sha256"] in card
    assert "| event F1 | 0.070 | 0.610 |" in card
    assert "| slot F1 | 0.020 | 0.520 |" in card
    assert "![loss curve](loss.png)" in card


def test_learning_curve_point_names_the_missing_eval(tmp_path: Path) -> None:
    (tmp_path / "training.json").write_text(json.dumps({"examples_used": 50}))
    with pytest.raises(FileNotFoundError, match=r"EXTRACTOR_EMBEDDED_ADAPTER=.*events-lora\.gguf"):
        read_point(tmp_path)


def test_learning_curve_keeps_runs_of_different_training_sets_apart(tmp_path: Path) -> None:
    report = {"summary": {"events": {"f1": 0.5}, "slots": {"f1": 0.3}}}
    runs = {"old-50": ("aaa", 50), "old-all": ("aaa", None), "new-all": ("bbb", None)}
    for name, (sha, limit) in runs.items():
        (tmp_path / name).mkdir()
        used = limit or {"aaa": 615, "bbb": 697}[sha]
        facts = {"examples_used": used, "data_sha256": sha, "config": {"limit": limit}}
        (tmp_path / name / "training.json").write_text(json.dumps(facts))
        (tmp_path / name / "report.json").write_text(json.dumps(report))  # docs/ layout
    groups = by_training_set([read_point(tmp_path / name) for name in runs])
    assert {label: [p.examples for p in group] for label, group in groups.items()} == {
        "615-example set aaa": [50, 615],
        "697-example set bbb": [697],
    }


def test_committed_adapter_is_a_gemma3_lora_for_every_projection() -> None:
    reader = gguf.GGUFReader(str(SHIPPED_ADAPTER))

    def field(key: str) -> object:
        value = reader.fields[key]
        return value.contents()

    assert field("general.architecture") == "gemma3"
    assert field("general.type") == "adapter"
    assert field("adapter.type") == "lora"
    facts = json.loads((ADAPTER_DIR / "training.json").read_text())
    assert field("adapter.lora.alpha") == facts["config"]["alpha"]
    names = {tensor.name: tensor for tensor in reader.tensors}
    pattern = re.compile(r"blk\.(\d+)\.(\w+)\.weight\.lora_([ab])")
    layers = {int(m.group(1)) for n in names if (m := pattern.fullmatch(n))}
    assert len(names) == 2 * len(TARGET_MODULES) * len(layers) == 2 * facts["lora_pairs"]
    rank = facts["config"]["rank"]
    for name, tensor in names.items():
        a_or_b = name[-1]
        shape = [int(x) for x in tensor.shape]  # ggml order: (columns, rows)
        assert (shape[1] if a_or_b == "a" else shape[0]) == rank, name


def test_model_card_and_loss_plot_are_committed_with_the_adapter() -> None:
    card = (ADAPTER_DIR / "MODEL_CARD.md").read_text()
    facts = json.loads((ADAPTER_DIR / "training.json").read_text())
    assert facts["data_sha256"] in card
    assert (ADAPTER_DIR / "loss.png").stat().st_size > 10_000
    losses = [json.loads(line) for line in (ADAPTER_DIR / "loss.jsonl").read_text().splitlines()]
    assert len(losses) == facts["updates"] and losses[-1]["loss"] < losses[0]["loss"]
