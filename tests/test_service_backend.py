"""Backend failures become 503/502 Problems (503 with Retry-After), and /readyz never hangs."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from tests.fakes.no_events_server import NoEventsServer
from tests.fakes.scripted_server import Reply, ScriptedServer, tool_call_completion
from tests.service_support import client_for
from tests.test_pipeline_retries import ARTICLE, VALID

BODY = {"text": ARTICLE, "id": "astana"}


@pytest.fixture
def closed_port_url() -> Iterator[str]:
    """A loopback URL nobody listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield f"http://127.0.0.1:{port}/v1"


def test_backend_down_is_503_with_retry_after(closed_port_url: str) -> None:
    with client_for(closed_port_url) as client:
        single = client.post("/v1/extract", json=BODY)
        batch = client.post("/v1/extract/batch", json={"articles": [BODY]})
        ready = client.get("/readyz")
        health = client.get("/healthz")
    for response in (single, batch):
        assert response.status_code == 503
        assert response.json()["error"] == "backend_unavailable"
        assert "cannot reach" in response.json()["message"]
        assert int(response.headers["retry-after"]) > 0
        assert "Traceback" not in response.text
    assert ready.status_code == 503
    assert ready.json()["status"] == "not_ready"
    assert health.status_code == 200


def test_transport_failures_after_retries_are_503_with_the_backend_retry_after(
    scripted_server: ScriptedServer,
) -> None:
    overloaded = Reply(503, {"error": {"message": "busy"}}, {"retry-after-ms": "600"})
    scripted_server.queue(overloaded, overloaded)
    with client_for(scripted_server.base_url, transport_max_attempts=2) as client:
        response = client.post("/v1/extract", json=BODY)
    problem = response.json()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"  # 0.6 s, rounded up
    assert problem["error"] == "transport_error"
    assert problem["failure"]["requests"] == 2
    assert problem["failure"]["article_id"] == "astana"


def test_a_refused_request_is_502_without_retry_after(scripted_server: ScriptedServer) -> None:
    scripted_server.queue(Reply(400, {"error": {"message": "context length exceeded"}}))
    with client_for(scripted_server.base_url) as client:
        response = client.post("/v1/extract", json=BODY)
    assert response.status_code == 502
    assert response.json()["error"] == "request_error"
    assert "retry-after" not in response.headers


def test_answers_that_never_validate_are_502_with_their_cost(
    scripted_server: ScriptedServer,
) -> None:
    invalid = Reply(200, tool_call_completion('{"events": [ {"type": "meet', completion_tokens=7))
    scripted_server.queue(invalid, invalid)
    with client_for(scripted_server.base_url, max_reasks=1) as client:
        response = client.post("/v1/extract", json=BODY)
    problem = response.json()
    assert response.status_code == 502
    assert problem["error"] == "validation_error"
    assert problem["failure"]["attempts"] == 2
    assert problem["failure"]["usage"]["completion_tokens"] == 14


def test_readyz_is_bounded_when_the_probe_hangs_and_trusts_a_recent_answer() -> None:
    with (
        NoEventsServer() as fake,
        client_for(fake.base_url, service={"ready_probe_timeout_s": 1.0}) as client,
    ):
        assert client.get("/readyz").json()["reason"] == "the backend answered a probe"
        fake.models_delay_s = 4.0  # like llama.cpp while it generates
        started = time.monotonic()
        hung = client.get("/readyz")
        waited = time.monotonic() - started
        assert client.post("/v1/extract", json={"text": "An article. It says little."}).is_success
        after_answer = client.get("/readyz")
    assert hung.status_code == 503
    assert "did not answer within 1 s" in hung.json()["reason"]
    assert waited < 3.0
    assert after_answer.status_code == 200
    assert "answered an extraction" in after_answer.json()["reason"]


def test_a_failure_after_the_last_answer_makes_readyz_probe_again(
    scripted_server: ScriptedServer,
) -> None:
    failing = Reply(500, {"error": {"message": "down"}})
    scripted_server.queue(Reply(200, tool_call_completion(VALID)), failing)
    with client_for(scripted_server.base_url, transport_max_attempts=1) as client:
        assert client.post("/v1/extract", json=BODY).status_code == 200
        assert "answered an extraction" in client.get("/readyz").json()["reason"]
        assert client.post("/v1/extract", json=BODY).status_code == 503
        again = client.get("/readyz")
    assert again.json()["reason"] == "the backend answered a probe"


def test_errors_never_carry_a_traceback_or_the_api_key(scripted_server: ScriptedServer) -> None:
    key = "sk-fixture-secret-key-123456"
    scripted_server.queue(Reply(401, {"error": {"message": f"Incorrect API key provided: {key}"}}))
    with client_for(scripted_server.base_url, api_key=key) as client:
        response = client.post("/v1/extract", json=BODY)
    assert response.status_code == 502
    text = json.dumps(response.json())
    assert key not in text
    assert "Traceback" not in text
