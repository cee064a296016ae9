"""The HTTP API on a fixture backend: results, batches, 422s, 413, 504 and 404."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from extractor_schemas import ExtractionFailure, ExtractionResult

from tests.fakes.no_events_server import COMPLETION_TOKENS, PROMPT_TOKENS, NoEventsServer
from tests.fakes.scripted_server import Reply, ScriptedServer, tool_call_completion
from tests.service_support import client_for
from tests.test_pipeline_retries import ARTICLE, VALID


@pytest.fixture
def fake() -> Iterator[NoEventsServer]:
    with NoEventsServer() as server:
        yield server


def test_extract_returns_the_events_with_offsets(scripted_server: ScriptedServer) -> None:
    scripted_server.queue(Reply(200, tool_call_completion(VALID)))
    with client_for(scripted_server.base_url) as client:
        response = client.post("/v1/extract", json={"text": ARTICLE, "id": "astana"})
    assert response.status_code == 200, response.text
    result = ExtractionResult.model_validate(response.json())
    assert result.article_id == "astana"
    assert str(result.published) == "2025-05-27"  # from the text's date prefix
    [event] = result.events
    assert event.type == "meeting"
    assert event.evidence_span is not None
    assert ARTICLE[event.evidence_span.start : event.evidence_span.end] == event.evidence
    assert response.headers["x-request-id"]


def test_published_wins_and_the_id_defaults_to_a_hash(fake: NoEventsServer) -> None:
    with client_for(fake.base_url) as client:
        response = client.post("/v1/extract", json={"text": ARTICLE, "published": "2025-06-01"})
    body = response.json()
    assert response.status_code == 200
    assert body["published"] == "2025-06-01"
    assert len(body["article_id"]) == 16
    assert body["usage"]["prompt_tokens"] == PROMPT_TOKENS


@pytest.mark.parametrize(
    ("body", "error", "location"),
    [
        ({"text": ""}, "invalid_request", "body.text"),
        ({"text": "  \n "}, "invalid_request", "body.text"),
        ({}, "invalid_request", "body.text"),
        ({"text": 42}, "invalid_request", "body.text"),
        ({"text": ["a"]}, "invalid_request", "body.text"),
        ({"text": "x", "title": "unknown field"}, "invalid_request", "body.title"),
        ({"text": "x", "published": 1700000000}, "invalid_request", "body.published"),
        ({"text": "x", "published": "2024-02-30"}, "invalid_request", "body.published"),
        ({"text": "x", "id": ""}, "invalid_request", "body.id"),
        ({"text": " date 2024-13-01 Body."}, "article_error", None),
        ({"text": "date 2024-01-02"}, "article_error", None),
        ([1, 2], "invalid_request", "body"),
    ],
)
def test_bad_input_is_a_clear_422_and_never_reaches_the_backend(
    fake: NoEventsServer, body: Any, error: str, location: str | None
) -> None:
    with client_for(fake.base_url) as client:
        response = client.post("/v1/extract", json=body)
    problem = response.json()
    assert response.status_code == 422, response.text
    assert problem["error"] == error
    assert problem["message"]
    if location is not None:
        assert location in [p["location"] for p in problem["problems"]]
    assert fake.completions == 0


def test_a_body_that_is_not_json_is_a_422(fake: NoEventsServer) -> None:
    with client_for(fake.base_url) as client:
        broken = client.post(
            "/v1/extract", content=b'{"text": "x"', headers={"content-type": "application/json"}
        )
        not_utf8 = client.post(
            "/v1/extract", content=b"\xff\xfe{", headers={"content-type": "application/json"}
        )
    assert broken.status_code == 422
    assert broken.json()["error"] == "invalid_request"
    assert not_utf8.status_code == 422


def test_a_body_over_the_limit_is_413_by_length_or_as_it_streams(fake: NoEventsServer) -> None:
    big = json.dumps({"text": "word " * 500}).encode()

    def chunks() -> Iterator[bytes]:  # no content-length: chunked transfer
        yield from (big[i : i + 256] for i in range(0, len(big), 256))

    with client_for(fake.base_url, service={"max_body_bytes": 1000}) as client:
        declared = client.post(
            "/v1/extract", content=big, headers={"content-type": "application/json"}
        )
        streamed = client.post(
            "/v1/extract", content=chunks(), headers={"content-type": "application/json"}
        )
        small = client.post("/v1/extract", json={"text": "A short article. Nothing else."})
    assert declared.status_code == 413
    assert declared.json()["error"] == "payload_too_large"
    assert streamed.status_code == 413
    assert small.status_code == 200
    assert fake.completions == 1


def test_batch_returns_one_record_per_article_in_order(fake: NoEventsServer) -> None:
    articles = [
        {"text": "First article. It says little.", "id": "a"},
        {"text": " date 2024-99-01 Second article.", "id": "b"},
        {"text": "Third article. It says little too.", "id": "c", "published": "2024-05-06"},
    ]
    with client_for(fake.base_url) as client:
        response = client.post("/v1/extract/batch", json={"articles": articles})
    assert response.status_code == 200, response.text
    records = response.json()["results"]
    assert [r["article_id"] for r in records] == ["a", "b", "c"]
    assert [r["record"] for r in records] == ["result", "failure", "result"]
    failure = ExtractionFailure.model_validate(records[1])
    assert failure.error_class == "article_error"
    assert "2024-99-01" in failure.message
    assert records[2]["published"] == "2024-05-06"
    assert records[0]["usage"]["completion_tokens"] == COMPLETION_TOKENS
    assert fake.completions == 2


def test_batch_size_is_bounded_and_the_schema_says_so(fake: NoEventsServer) -> None:
    article = {"text": "An article. It says little."}
    with client_for(fake.base_url, service={"batch_max_items": 2}) as client:
        too_many = client.post("/v1/extract/batch", json={"articles": [article] * 3})
        empty = client.post("/v1/extract/batch", json={"articles": []})
        schema = client.get("/openapi.json").json()
    assert too_many.status_code == 422
    assert too_many.json()["problems"][0]["location"] == "body.articles"
    assert empty.status_code == 422
    articles = schema["components"]["schemas"]["BatchRequest"]["properties"]["articles"]
    assert articles["maxItems"] == 2
    assert fake.completions == 0


def test_an_extraction_past_the_request_timeout_is_504() -> None:
    with (
        NoEventsServer(delay_s=2.0) as slow,
        client_for(slow.base_url, service={"request_timeout_s": 0.3}) as client,
    ):
        response = client.post("/v1/extract", json={"text": "An article. It says little."})
    assert response.status_code == 504
    assert response.json()["error"] == "timeout"


def test_batch_articles_unfinished_at_the_deadline_become_timeout_failures() -> None:
    with (
        NoEventsServer(delay_s=2.0) as slow,
        client_for(slow.base_url, service={"request_timeout_s": 0.3}) as client,
    ):
        response = client.post(
            "/v1/extract/batch", json={"articles": [{"text": "One. Two three."}] * 2}
        )
    assert response.status_code == 200
    assert [r["error_class"] for r in response.json()["results"]] == ["timeout", "timeout"]


def test_unknown_routes_and_methods_get_a_problem_body(fake: NoEventsServer) -> None:
    with client_for(fake.base_url) as client:
        missing = client.get("/v2/nothing")
        wrong_method = client.get("/v1/extract")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"] == "method_not_allowed"


def test_docs_and_schema_are_served_without_a_cdn(fake: NoEventsServer) -> None:
    with client_for(fake.base_url) as client:
        docs = client.get("/docs")
        schema = client.get("/openapi.json").json()
        assets = re.findall(r'(?:src|href)="(/docs-assets/[^"]+)"', docs.text)
        fetched = {asset: client.get(asset) for asset in assets}
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    assert "cdn." not in docs.text and "https://" not in docs.text.split("<body>")[0]
    assert {"/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css"} <= set(assets)
    assert all(r.status_code == 200 and len(r.content) > 1000 for r in fetched.values())
    assert {"/v1/extract", "/v1/extract/batch", "/healthz", "/readyz", "/metrics"} <= set(
        schema["paths"]
    )


def test_docs_try_it_out_prefills_an_article_without_a_published_date(
    fake: NoEventsServer,
) -> None:
    """Swagger fills a `date` field with today, which would win over the article's prefix:
    the request examples leave `published` out."""
    with client_for(fake.base_url) as client:
        schema = client.get("/openapi.json").json()
        for path in ("/v1/extract", "/v1/extract/batch"):
            content = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
            [example] = content["examples"].values()
            value = example["value"]
            articles = value.get("articles", [value])
            assert all("published" not in article for article in articles)
            assert all(article["text"].startswith(" date ") for article in articles)
            assert client.post(path, json=value).status_code == 200
