"""The CLI as a user meets it: help, and one readable line for misconfiguration."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

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


def test_short_help_and_version() -> None:
    from importlib.metadata import version

    short = _run("-h")
    assert short.returncode == 0 and "extract" in short.stdout
    assert _run("batch", "-h").returncode == 0
    shown = _run("--version")
    assert shown.returncode == 0 and shown.stdout.strip() == f"extractor {version('extractor')}"


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


def _signalled_while_waiting(code: str, args: list[str], signum: signal.Signals) -> tuple[int, str]:
    """Run the CLI against a server that accepts and never answers; send `signum` once the
    command waits for its answer. The exit code and stderr."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EXTRACTOR_")}
    with socket.create_server(("127.0.0.1", 0)) as silent:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        process = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            env={**clean, "EXTRACTOR_BASE_URL": url, "EXTRACTOR_MODEL": "m"},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        silent.settimeout(60)
        connection, _ = silent.accept()  # the command now waits for an answer
        with connection:
            process.send_signal(signum)
            _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr


def test_sigterm_ends_a_command_with_its_cleanup(tmp_path: Path) -> None:
    """SIGTERM runs the atexit cleanup (which stops an embedded server it started), exit 143."""
    cleaned = tmp_path / "cleaned"
    code = (
        "import atexit, pathlib; from extractor.cli import main; "
        f"atexit.register(pathlib.Path({str(cleaned)!r}).touch); main()"
    )
    args = ["extract", str(SEEDS / "000_0cd24d71fac579ce.txt")]
    returncode, stderr = _signalled_while_waiting(code, args, signal.SIGTERM)
    assert returncode == 128 + signal.SIGTERM, stderr
    assert cleaned.exists()


def test_ctrl_c_says_the_records_are_kept_and_how_to_resume(tmp_path: Path) -> None:
    args = [
        "batch",
        str(SEEDS / "000_0cd24d71fac579ce.txt"),
        "-o",
        str(tmp_path / "out.jsonl"),
        "--no-cache",
        "--no-progress",
    ]
    code = "from extractor.cli import main; main()"
    returncode, stderr = _signalled_while_waiting(code, args, signal.SIGINT)
    assert returncode == 130, stderr
    assert "rerun" in stderr or "run again" in stderr
    assert "Traceback" not in stderr
