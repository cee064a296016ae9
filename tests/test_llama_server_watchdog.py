"""The embedded server ends when its parent is gone, even after SIGKILL, and leaves no log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from extractor.llm import llama_server

# The "parent" starts a child that runs the server's watchdog, then waits forever.
PARENT = textwrap.dedent(
    """
    import os, subprocess, sys, time
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import os, time\\n"
         "from extractor.llm import llama_server\\n"
         "llama_server.watch_parent(int(os.environ['EXTRACTOR_LLAMA_PARENT_PID']),"
         " os.environ['EXTRACTOR_LLAMA_LOG'])\\n"
         "time.sleep(120)\\n"],
        env={**os.environ, "EXTRACTOR_LLAMA_PARENT_PID": str(os.getpid()),
             "EXTRACTOR_LLAMA_LOG": sys.argv[1]},
        start_new_session=True,
    )
    print(child.pid, flush=True)
    time.sleep(120)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose: it runs nothing and holds no memory.
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split()[2] != "Z"


def test_server_child_exits_and_removes_its_log_after_parent_sigkill(tmp_path: Path) -> None:
    log = tmp_path / "extractor-llama-test.log"
    log.write_text("server output\n")
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(log)], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    time.sleep(1.0)
    assert _alive(child), "the watchdog must not end the server while its parent lives"
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=5)
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child), "the server outlived its SIGKILLed parent"
    assert not log.exists()
    assert llama_server.WATCH_INTERVAL_S <= 1.0
