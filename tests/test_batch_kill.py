"""kill -9 in the middle of a 1,000-article `extractor batch`, then the same command again.

Against the loopback stub (tests/fakes/stub_server.py, a FIXTURE with hand-written
grounded answers), in a real subprocess: the killed run leaves only whole records,
the rerun sends only what is missing, and the file ends with 1,000 distinct ids.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT
from tests.fakes.stub_server import StubServer
from tests.fakes.synthetic_articles import write_jsonl

ARTICLES = 1000
KILL_AFTER = 300


def _command(inputs: Path, output: Path, tmp_path: Path) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from extractor.cli import main; main()",
        "batch",
        str(inputs),
        "-o",
        str(output),
        "--concurrency",
        "32",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--summary-json",
        str(tmp_path / "summary.json"),
        "--no-progress",
    ]


def _env(base_url: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EXTRACTOR_")}
    return {**clean, "EXTRACTOR_BASE_URL": base_url, "EXTRACTOR_MODEL": "stub-model"}


def _complete_lines(path: Path) -> int:
    if not path.exists():
        return 0
    return path.read_bytes().count(b"\n")


def test_kill_9_midway_then_the_same_command_finishes_the_job(tmp_path: Path) -> None:
    inputs = write_jsonl(tmp_path / "articles.jsonl", ARTICLES)
    output = tmp_path / "results.jsonl"
    command = _command(inputs, output, tmp_path)
    with StubServer(latency_ms=50) as stub:
        env = _env(stub.base_url)
        victim = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 120
        while _complete_lines(output) < KILL_AFTER and victim.poll() is None:
            assert time.monotonic() < deadline, "the first run made no progress"
            time.sleep(0.01)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        assert victim.returncode == -signal.SIGKILL, victim.stderr.read() if victim.stderr else ""

        raw = output.read_bytes()
        assert raw.endswith(b"\n")
        survivors = [json.loads(line) for line in raw.splitlines()]  # every line is whole
        assert KILL_AFTER <= len(survivors) < ARTICLES
        sent_before = stub.requests

        rerun = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
        )
        assert rerun.returncode == 0, rerun.stderr
        sent_again = stub.requests - sent_before

    records = [json.loads(line) for line in output.read_text("utf-8").splitlines()]
    ids = [record["article_id"] for record in records]
    assert len(records) == ARTICLES
    assert len(set(ids)) == ARTICLES
    assert all(record["record"] == "result" for record in records)
    assert ids[: len(survivors)] == [record["article_id"] for record in survivors]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["skipped_done"] == len(survivors)
    assert summary["written"] == ARTICLES - len(survivors)
    assert sent_again == summary["requests"] == ARTICLES - len(survivors)
