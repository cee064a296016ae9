"""`extractor eval` end to end on the seed set, with predictions made from the gold files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli.app import _register_commands, app
from tests.conftest import SEEDS

_register_commands()
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def gold_predictions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gold") / "gold.jsonl"
    code, output = run("gold-to-predictions", str(SEEDS), "-o", str(path))
    assert code == 0, output
    return path


def report_of(folder: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((folder / "report.json").read_text())


def test_gold_as_predictions_scores_one_everywhere(gold_predictions: Path, tmp_path: Path) -> None:
    code, output = run(
        "eval",
        "--data",
        str(SEEDS),
        "--predictions",
        str(gold_predictions),
        "--report",
        str(tmp_path),
        "--fail-under",
        "event_f1=1,slot_f1=1,grounding_rate=1",
    )
    assert code == 0, output
    summary = report_of(tmp_path)["summary"]
    for counts in (summary["events"], summary["slots"]):
        assert counts["fp"] == counts["fn"] == 0 and counts["tp"] > 0
        assert counts["precision"] == counts["recall"] == counts["f1"] == 1.0
    assert all(t["events"]["f1"] == 1.0 for t in summary["per_type"].values())
    assert summary["grounding_rate"] == summary["schema_valid_rate"] == 1.0
    assert {p.name for p in tmp_path.iterdir()} == {"report.json", "report.md", "report.html"}


def test_one_removed_one_redated_one_misspelled(gold_predictions: Path, tmp_path: Path) -> None:
    records = [json.loads(line) for line in gold_predictions.read_text().splitlines()]
    by_id = {r["article_id"]: r for r in records}
    seed_000 = by_id["000_0cd24d71fac579ce"]["events"]
    seed_004 = by_id["004_1defd1476dc2c061"]["events"]
    removed = seed_000.pop(2)  # cooperation_intent: status, location, 2 names, 2 areas = 6 slots
    assert removed["type"] == "cooperation_intent" and removed["date"] is None
    assert seed_004[2]["date"] == "2025-04"
    seed_004[2]["date"] = "2025-05"  # a wrong date: one FP and one FN slot
    assert seed_000[0]["participants"][1]["name"] == "Wang Dongjin"
    seed_000[0]["participants"][1]["name"] = "Wang Dongjn"  # a typo the scorer forgives
    changed = tmp_path / "changed.jsonl"
    changed.write_text("".join(json.dumps(r) + "\n" for r in records))

    perfect_dir, changed_dir = tmp_path / "perfect", tmp_path / "changed"
    run(
        "eval",
        "--data",
        str(SEEDS),
        "--predictions",
        str(gold_predictions),
        "--report",
        str(perfect_dir),
    )
    code, output = run(
        "eval",
        "--data",
        str(SEEDS),
        "--predictions",
        str(changed),
        "--report",
        str(changed_dir),
        "--baseline",
        str(perfect_dir / "report.json"),
        "--fail-under",
        "event_f1=1",
    )
    assert code == 1, output
    assert "event_f1" in output and "below the bar" in output
    perfect, now = report_of(perfect_dir)["summary"], report_of(changed_dir)["summary"]
    events, slots = perfect["events"]["tp"], perfect["slots"]["tp"]
    assert (now["events"]["tp"], now["events"]["fp"], now["events"]["fn"]) == (events - 1, 0, 1)
    assert now["events"]["recall"] == pytest.approx((events - 1) / events)
    assert now["events"]["f1"] == pytest.approx(2 * (events - 1) / (2 * events - 1))
    assert (now["slots"]["tp"], now["slots"]["fp"], now["slots"]["fn"]) == (slots - 7, 1, 7)
    assert now["per_type"]["cooperation_intent"]["events"]["fn"] == 1
    assert now["grounding_rate"] == 1.0  # the typo is still found in the article, fuzzily


def test_unknown_metric_in_fail_under_is_a_clear_error(gold_predictions: Path) -> None:
    code, output = run(
        "eval",
        "--data",
        str(SEEDS),
        "--predictions",
        str(gold_predictions),
        "--fail-under",
        "f1=0.5",
    )
    assert code == 2
    assert "unknown metric 'f1'" in output


def test_missing_and_broken_predictions_count_as_schema_invalid(tmp_path: Path) -> None:
    predictions = tmp_path / "p.jsonl"
    predictions.write_text(
        json.dumps({"article_id": "000_0cd24d71fac579ce", "events": [{"type": "meeting"}]}) + "\n"
    )
    code, output = run(
        "eval", "--data", str(SEEDS), "--predictions", str(predictions), "--report", str(tmp_path)
    )
    assert code == 0, output
    summary = report_of(tmp_path)["summary"]
    articles = summary["articles"]
    assert summary["outcomes"] == {"result": 0, "failure": 0, "invalid": 1, "missing": articles - 1}
    assert summary["schema_valid_rate"] == 0.0
    assert summary["events"]["tp"] == 0 and summary["events"]["fn"] > 0


def _data_with_a_subset(root: Path) -> Path:
    data = root / "data"
    (data / "real").mkdir(parents=True)
    for seed in ("101_kenya_geothermal_expansion", "102_chile_lithium_expansion"):
        for suffix in (".txt", ".gold.json"):
            (data / f"{seed}{suffix}").write_bytes((SEEDS / f"{seed}{suffix}").read_bytes())
    for suffix in (".txt", ".gold.json"):
        name = f"004_1defd1476dc2c061{suffix}"
        (data / "real" / name).write_bytes((SEEDS / name).read_bytes())
    return data


def test_each_subset_is_reported_apart_and_together(tmp_path: Path) -> None:
    data = _data_with_a_subset(tmp_path)
    predictions = tmp_path / "gold.jsonl"
    assert run("gold-to-predictions", str(data), "-o", str(predictions))[0] == 0
    # Predict nothing for the subfolder's article: its subset scores zero, the other one.
    lines = predictions.read_text().splitlines()
    kept = [line for line in lines if "004_1defd1476dc2c061" not in line]
    predictions.write_text("\n".join(kept) + "\n")
    code, output = run(
        "eval", "--data", str(data), "--predictions", str(predictions), "--report", str(tmp_path)
    )
    assert code == 0, output
    report = report_of(tmp_path)
    assert set(report["subsets"]) == {"data", "real"}
    assert report["subsets"]["data"]["articles"] == 2
    assert report["subsets"]["real"]["articles"] == 1
    assert report["subsets"]["real"]["events"]["tp"] == 0
    assert report["summary"]["articles"] == 3
    assert "real: events" in output and "all: events" in output
    assert "## Per subset" in (tmp_path / "report.md").read_text()
    assert "Per subset" in (tmp_path / "report.html").read_text()
    only, output = run(
        "eval", "--data", str(data), "--predictions", str(predictions), "--subset", "real"
    )
    assert only == 0, output
    assert "1 articles" in output
    unknown, output = run(
        "eval", "--data", str(data), "--predictions", str(predictions), "--subset", "x"
    )
    assert unknown != 0 and "no subset x" in output


def test_the_report_says_where_events_go_wrong(tmp_path: Path) -> None:
    """Per-slot counts inside paired events and the error kinds, in every report format."""
    data = _data_with_a_subset(tmp_path)
    predictions = tmp_path / "gold.jsonl"
    assert run("gold-to-predictions", str(data), "-o", str(predictions))[0] == 0
    records = [json.loads(line) for line in predictions.read_text().splitlines()]
    first = records[0]["events"][0]
    first["date"] = "1999"  # one wrong date inside a pair
    records[0]["events"] = records[0]["events"][:1]  # the article's other events are missed
    predictions.write_text("".join(json.dumps(r) + "\n" for r in records))
    code, output = run(
        "eval", "--data", str(data), "--predictions", str(predictions), "--report", str(tmp_path)
    )
    assert code == 0, output
    summary = report_of(tmp_path)["summary"]
    assert summary["paired_slots"]["date"]["fp"] == 1 and summary["paired_slots"]["date"]["fn"] == 1
    assert summary["error_kinds"]["wrong date"] == 1
    assert summary["error_kinds"]["missed event"] == summary["events"]["fn"] > 0
    assert "most frequent errors:" in output
    assert "## Inside paired events, per slot" in (tmp_path / "report.md").read_text()
    assert "Most frequent errors" in (tmp_path / "report.html").read_text()
