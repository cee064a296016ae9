"""/metrics counts requests by status, latency, tokens, transport retries and re-asks."""

from __future__ import annotations

from tests.fakes.scripted_server import Reply, ScriptedServer, tool_call_completion
from tests.service_support import client_for, metric
from tests.test_pipeline_retries import ARTICLE, VALID


def test_counters_after_a_few_requests(scripted_server: ScriptedServer) -> None:
    scripted_server.queue(
        # article 1: a 429 (one transport retry), an invalid answer (one re-ask), a valid one
        Reply(429, {"error": {"message": "slow down"}}, {"retry-after-ms": "10"}),
        Reply(200, tool_call_completion('{"events": [', prompt_tokens=300, completion_tokens=7)),
        Reply(200, tool_call_completion(VALID, prompt_tokens=420, completion_tokens=90)),
        # article 2: valid at once
        Reply(200, tool_call_completion(VALID, prompt_tokens=400, completion_tokens=80)),
    )
    with client_for(scripted_server.base_url) as client:
        assert client.post("/v1/extract", json={"text": ARTICLE}).status_code == 200
        assert client.post("/v1/extract", json={"text": ARTICLE}).status_code == 200
        assert client.post("/v1/extract", json={"text": ""}).status_code == 422
        assert client.get("/healthz").status_code == 200
        response = client.get("/metrics")
    text = response.text
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    requests = "extractor_http_requests_total"
    assert metric(text, requests, route="/v1/extract", status="200", method="POST") == 2
    assert metric(text, requests, route="/v1/extract", status="422") == 1
    assert metric(text, requests, route="/healthz", status="200") == 1
    latency = "extractor_http_request_duration_seconds_count"
    assert metric(text, latency, route="/v1/extract") == 3
    assert metric(text, "extractor_extractions_total", outcome="result") == 2
    assert metric(text, "extractor_tokens_total", kind="prompt") == 300 + 420 + 400
    assert metric(text, "extractor_tokens_total", kind="completion") == 7 + 90 + 80
    assert metric(text, "extractor_backend_requests_total") == 4
    assert metric(text, "extractor_transport_retries_total") == 1
    assert metric(text, "extractor_reasks_total") == 1
    assert metric(text, "extractor_http_requests_in_flight") == 1  # this /metrics request


def test_failures_are_counted_by_error_class(scripted_server: ScriptedServer) -> None:
    failing = Reply(500, {"error": {"message": "down"}})
    scripted_server.queue(failing, failing)
    with client_for(scripted_server.base_url, transport_max_attempts=2) as client:
        assert client.post("/v1/extract", json={"text": ARTICLE}).status_code == 503
        assert (
            client.post("/v1/extract", json={"text": " date 2024-13-01 Body."}).status_code == 422
        )
        text = client.get("/metrics").text
    assert metric(text, "extractor_extractions_total", outcome="transport_error") == 1
    assert metric(text, "extractor_extractions_total", outcome="article_error") == 1
    assert metric(text, "extractor_transport_retries_total") == 1
    assert metric(text, "extractor_reasks_total") == 0
    assert metric(text, "extractor_http_requests_total", route="/v1/extract", status="503") == 1
