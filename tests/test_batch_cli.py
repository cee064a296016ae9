"""`extractor batch` as a user runs it: summary, exit codes, one-line errors, Batch API files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fakes.stub_server import StubServer
from tests.fakes.synthetic_articles import write_jsonl


@pytest.fixture(scope="module")
def stub() -> Iterator[StubServer]:
    with StubServer(latency_ms=1) as server:
        yield server


def _batch(*args: str, base_url: str = "http://127.0.0.1:9/v1") -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EXTRACTOR_")}
    env = {**clean, "EXTRACTOR_BASE_URL": base_url, "EXTRACTOR_MODEL": "gpt-4o-mini"}
    return subprocess.run(
        [sys.executable, "-c", "from extractor.cli import main; main()", "batch", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_a_run_prints_its_summary_and_exits_1_on_failures(stub: StubServer, tmp_path: Path) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", 25)
    with inputs.open("a") as more:
        more.write('{"id": "broken", "text": " date 2024-02-31 Not a day."}\n')
    summary_path = tmp_path / "s.json"
    common = ("-o", str(tmp_path / "out.jsonl"), "--cache-dir", str(tmp_path / "c"))
    run = _batch(str(inputs), *common, "--summary-json", str(summary_path), base_url=stub.base_url)
    assert run.returncode == 1, run.stderr
    assert "batch summary" in run.stderr and "input_error 1" in run.stderr
    assert "estimated cost" in run.stderr and "$" in run.stderr  # gpt-4o-mini is priced
    summary = json.loads(summary_path.read_text())
    assert (summary["results"], summary["failures"], summary["cache_hits"]) == (25, 1, 0)
    assert summary["cost_usd"] > 0 and summary["latency_p95_s"] >= summary["latency_p50_s"]

    again = _batch(str(inputs), *common, base_url=stub.base_url)
    assert again.returncode == 0
    assert "resuming" in again.stderr and "25 already done" in again.stderr


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    missing = _batch(str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o.jsonl"))
    assert missing.returncode == 2
    assert missing.stderr.strip().startswith("error:") and "no such file" in missing.stderr
    no_output = _batch(str(tmp_path))
    assert no_output.returncode == 2 and "--output" in no_output.stderr


def test_export_then_import_with_the_command(tmp_path: Path) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", 3)
    requests = tmp_path / "requests.jsonl"
    export = _batch(str(inputs), "--export-openai-batch", str(requests), "--no-cache")
    assert export.returncode == 0, export.stderr
    lines = [json.loads(line) for line in requests.read_text().splitlines()]
    assert [line["custom_id"] for line in lines] == [
        "syn-0-0000000",
        "syn-0-0000001",
        "syn-0-0000002",
    ]

    from tests.fakes.stub_server import completion_for

    provider_output = tmp_path / "output.jsonl"
    with provider_output.open("w") as out:
        for line in lines:
            body = completion_for(line["body"])
            answer = {
                "custom_id": line["custom_id"],
                "response": {"status_code": 200, "body": body},
            }
            out.write(json.dumps(answer) + "\n")
    results = tmp_path / "results.jsonl"
    imported = _batch(
        str(inputs), "--import-openai-batch", str(provider_output), "-o", str(results), "--no-cache"
    )
    assert imported.returncode == 0, imported.stderr
    records = [json.loads(line) for line in results.read_text().splitlines()]
    assert [r["record"] for r in records] == ["result"] * 3
    assert all(r["events"][0]["evidence_span"] for r in records)
    assert "Batch API discount" in imported.stderr
