"""The CLI as a user meets it: help, and one readable line for misconfiguration."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT, SEEDS


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EXTRACTOR_")}
    return subprocess.run(
        [sys.executable, "-c", "from extractor.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        cwd=ROOT,
        timeout=60,
    )


def test_help_lists_commands() -> None:
    result = _run("--help")
    assert result.returncode == 0
    assert "extract" in result.stdout


def test_unreachable_base_url_is_one_line() -> None:
    result = _run(
        "extract",
        str(SEEDS / "000_0cd24d71fac579ce.txt"),
        env={"EXTRACTOR_BASE_URL": "http://127.0.0.1:9/v1", "EXTRACTOR_MODEL": "m"},
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: cannot reach http://127.0.0.1:9/v1")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_missing_model_name_is_one_line() -> None:
    result = _run("extract", str(SEEDS), env={"EXTRACTOR_BASE_URL": "http://127.0.0.1:9/v1"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: EXTRACTOR_MODEL is required when EXTRACTOR_BASE_URL is set"
    )


def test_missing_file_is_one_line() -> None:
    result = _run(
        "extract",
        "no/such/file.txt",
        env={"EXTRACTOR_BASE_URL": "http://x", "EXTRACTOR_MODEL": "m"},
    )
    assert result.returncode == 2
    assert "no such file or directory" in result.stderr
