"""`extractor serve` as a user runs it, and graceful shutdown of the server."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
import uvicorn

from extractor import Extractor, load_settings
from extractor.service import create_app, load_service_settings
from tests.conftest import ROOT, SEEDS
from tests.fakes.no_events_server import NoEventsServer

SEED = SEEDS / "000_0cd24d71fac579ce.txt"
CLI = [sys.executable, "-c", "from extractor.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            pytest.fail(f"the server exited: {process.communicate()[1]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    pytest.fail("the server did not come up")


def test_shutdown_finishes_in_flight_requests_then_closes_the_extractor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with NoEventsServer(delay_s=1.0) as fake:
        extractor = Extractor(load_settings(base_url=fake.base_url, model="fixture"))
        closed: list[float] = []
        monkeypatch.setattr(extractor, "close", lambda: closed.append(time.monotonic()))
        config = uvicorn.Config(
            create_app(extractor, load_service_settings()),
            port=port,
            log_config=None,
            timeout_graceful_shutdown=10,
        )
        server = uvicorn.Server(config)
        serving = threading.Thread(target=server.run)
        serving.start()
        _wait_until_up(url)
        answers: list[httpx.Response] = []
        body = {"text": "An article. It says little."}
        caller = threading.Thread(
            target=lambda: answers.append(httpx.post(f"{url}/v1/extract", json=body, timeout=10))
        )
        caller.start()
        while fake.completions == 0:  # the request is in flight at the backend
            time.sleep(0.02)
        server.should_exit = True
        caller.join(timeout=10)
        answered = time.monotonic()
        serving.join(timeout=10)
    assert [a.status_code for a in answers] == [200]
    assert len(closed) == 1
    assert closed[0] >= answered - 0.5  # closed after the answer, not before
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/healthz", timeout=1)


def test_serve_answers_a_seed_article_and_stops_on_sigterm() -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with NoEventsServer() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRACTOR_")}
        env.update(EXTRACTOR_BASE_URL=fake.base_url, EXTRACTOR_MODEL="fixture")
        process = subprocess.Popen(
            [*CLI, "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _wait_until_up(url, process)
            text = SEED.read_text(encoding="utf-8")
            response = httpx.post(f"{url}/v1/extract", json={"text": text}, timeout=30)
            ready = httpx.get(f"{url}/readyz", timeout=5)
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=30)
    assert response.status_code == 200
    assert response.json()["published"] == "2024-08-22"
    assert ready.status_code == 200
    lines = [json.loads(line) for line in stderr.splitlines()]
    messages = [line["message"] for line in lines]
    assert "closing the extractor" in messages
    assert "Application shutdown complete." in messages
    assert text[40:80] not in stderr


def test_a_bad_service_setting_is_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRACTOR_")}
    env["EXTRACTOR_SERVE_MAX_BODY_BYTES"] = "lots"
    result = subprocess.run(
        [*CLI, "serve"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: EXTRACTOR_SERVE_MAX_BODY_BYTES:")
    assert len(result.stderr.strip().splitlines()) == 1
