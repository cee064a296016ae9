"""Access logs are JSON lines with request facts, never the article text or a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from extractor import Extractor, load_settings
from extractor.service import create_app, load_service_settings
from extractor.service.access_log import JsonFormatter
from tests.fakes.no_events_server import NoEventsServer
from tests.service_support import client_for

TOKEN = "fixture-token-41b8e2"
API_KEY = "sk-fixture-backend-key-9d0c77"
MARKER = "Zanzibarquux"  # a word that appears only in the article text
ARTICLE = f"{MARKER} Holdings met the port authority. They signed nothing yet."

LogLines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    """The JSON lines the `extractor` loggers wrote, as the service formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(secrets=[TOKEN, API_KEY]))
    logger = logging.getLogger("extractor")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_access_lines_are_json_without_text_or_secrets(log_lines: LogLines) -> None:
    auth = {"authorization": f"Bearer {TOKEN}", "x-request-id": "caller-id-1"}
    with (
        NoEventsServer() as fake,
        client_for(fake.base_url, api_token=TOKEN, api_key=API_KEY) as client,
    ):
        assert client.post("/v1/extract", json={"text": ARTICLE}, headers=auth).status_code == 200
        assert client.post("/v1/extract", json={"text": ARTICLE}).status_code == 401
        assert client.post("/v1/extract", json={"text": 7}, headers=auth).status_code == 422
        batch = {"articles": [{"text": ARTICLE}, {"text": ARTICLE}]}
        assert client.post("/v1/extract/batch", json=batch, headers=auth).status_code == 200
    lines = log_lines()
    access = [line for line in lines if line.get("event") == "access"]
    assert [line["status"] for line in access] == [200, 401, 422, 200]
    first = access[0]
    assert first["request_id"] == "caller-id-1"
    assert (first["method"], first["route"], first["articles"]) == ("POST", "/v1/extract", 1)
    assert first["duration_ms"] > 0
    assert first["bytes_in"] > len(ARTICLE)
    assert (access[3]["articles"], access[3]["failed"]) == (2, 0)
    assert len(access[1]["request_id"]) == 32  # none given: a new one
    dumped = json.dumps(lines)
    for secret in (MARKER, TOKEN, API_KEY):
        assert secret not in dumped


def test_an_internal_error_is_a_bare_500_logged_without_its_message(
    log_lines: LogLines, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"bug while reading {ARTICLE}")

    with NoEventsServer() as fake:
        extractor = Extractor(load_settings(base_url=fake.base_url, model="fixture"))
        monkeypatch.setattr(extractor, "aextract", broken)
        with TestClient(create_app(extractor, load_service_settings())) as client:
            response = client.post("/v1/extract", json={"text": ARTICLE})
    lines = log_lines()
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert MARKER not in response.text
    assert "Traceback" not in response.text
    [error] = [line for line in lines if line["level"] == "error"]
    assert error["message"] == "internal error RuntimeError"
    assert "aextract" in error["stack"] or "broken" in error["stack"]
    assert [line["status"] for line in lines if line.get("event") == "access"] == [500]
    assert MARKER not in json.dumps(lines)
