"""A recognisable fake API key never reaches a log line, error, record, report or cassette.

The fixture provider is as unhelpful as real ones can be: it rejects every extraction
and quotes the key back in its error message ("Incorrect API key provided: sk-...").
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS
from tests.fakes.scripted_server import Reply, ScriptedServer
from tests.service_support import client_for

FAKE_KEY = "sk-fake-canary-3c9e1f7a5b2d4e6f8091"
ECHO = Reply(401, {"error": {"message": f"Incorrect API key provided: {FAKE_KEY}"}})
ARTICLES = ["000_0cd24d71fac579ce", "004_1defd1476dc2c061"]


@pytest.fixture
def echoing_server() -> ScriptedServer:
    with ScriptedServer() as server:
        server.queue(*[ECHO] * 200)
        yield server  # type: ignore[misc]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for article_id in ARTICLES:
        for suffix in (".txt", ".gold.json"):
            shutil.copy(SEEDS / f"{article_id}{suffix}", folder / f"{article_id}{suffix}")
    return folder


def run_cli(*args: str, base_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXTRACTOR_", "OPENAI_"))}
    env |= {"EXTRACTOR_BASE_URL": base_url, "EXTRACTOR_MODEL": "m", "OPENAI_API_KEY": FAKE_KEY}
    env |= {"EXTRACTOR_BACKOFF_INITIAL_S": "0.01", "EXTRACTOR_BACKOFF_MAX_S": "0.02"}
    return subprocess.run(
        [sys.executable, "-c", "from extractor.cli import main; main()", "--verbose", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def assert_no_key(*texts: str) -> None:
    for text in texts:
        assert FAKE_KEY not in text
        assert FAKE_KEY[:12] not in text  # not even a prefix of it


def test_failing_batch_leaks_nothing(
    echoing_server: ScriptedServer, data_dir: Path, tmp_path: Path
) -> None:
    output = tmp_path / "results.jsonl"
    done = run_cli("batch", str(data_dir), "-o", str(output), base_url=echoing_server.base_url)
    assert done.returncode == 1, done.stderr
    records = output.read_text()
    assert records.count('"record":"failure"') == len(ARTICLES)
    assert "401" in records  # the failure says why
    assert_no_key(records, done.stdout, done.stderr)


def test_failing_eval_leaks_nothing(
    echoing_server: ScriptedServer, data_dir: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    done = run_cli(
        "eval",
        "--data",
        str(data_dir),
        "--report",
        str(report),
        "--save-predictions",
        str(tmp_path / "p.jsonl"),
        base_url=echoing_server.base_url,
    )
    assert done.returncode == 0, done.stderr
    files = [p.read_text() for p in (*report.iterdir(), tmp_path / "p.jsonl")]
    assert any("401" in text for text in files)
    assert_no_key(done.stdout, done.stderr, *files)


def test_failing_http_request_leaks_nothing(
    echoing_server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with client_for(echoing_server.base_url, api_key=FAKE_KEY) as client:
        answer = client.post(
            "/v1/extract", json={"text": (SEEDS / f"{ARTICLES[0]}.txt").read_text()}
        )
    assert answer.status_code >= 400
    assert "401" in answer.text or "key" in answer.text.lower()
    assert_no_key(answer.text, str(answer.headers), caplog.text)


def test_no_cassette_holds_the_key() -> None:
    cassettes = sorted((ROOT / "tests" / "cassettes").rglob("*.yaml"))
    assert cassettes
    assert_no_key(*(path.read_text() for path in cassettes))
