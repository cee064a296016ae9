"""The fault server (a FIXTURE) itself: correct answers, seeded faults, counts and bounds."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import httpx2
import pytest

from extractor import Extractor, load_settings
from extractor.pipeline import to_article
from tests.fakes.fault_server import FAULTS, OK, FaultServer, even_rates
from tests.fault_helpers import ARTICLE, fault_extractor


def _request(extractor: Extractor, text: str) -> dict[str, Any]:
    """The chat request body the extractor would send first for `text` (tools mode)."""
    exchange = extractor.format.start(to_article(text, "a", None))
    return json.loads(exchange.body())  # type: ignore[no-any-return]


def _arguments(server: FaultServer, request: dict[str, Any], fault: str = OK) -> dict[str, Any]:
    answer = server.answer_for(request, fault)
    return json.loads(answer["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"])  # type: ignore[no-any-return]


def test_correct_answer_keeps_the_grammar_bounds_of_the_request() -> None:
    settings = load_settings(
        base_url="http://127.0.0.1:9/v1",
        model="m",
        grounded_decoding=True,
        max_events=1,
        max_text_length=20,
    )
    request = _request(Extractor(settings), ARTICLE)
    schema = request["tools"][0]["function"]["parameters"]
    enum = schema["$defs"]["Meeting"]["properties"]["evidence"]["enum"]
    with FaultServer() as server:
        events = _arguments(server, request)["events"]
    assert len(events) == schema["properties"]["events"]["maxItems"] == 1
    [event] = events
    assert event["evidence"] in enum
    assert set(event) == set(schema["$defs"]["Meeting"]["required"])
    assert all(len(p["name"]) <= 20 for p in event["participants"])
    # "President Kassym-Jomart Tokayev" and "Chairman of CITIC Group" exceed maxLength 20.
    assert [p["name"] for p in event["participants"]] == ["Xi Gohua"]


def test_correct_answers_pass_the_pipeline_with_grounded_decoding() -> None:
    with (
        FaultServer() as server,
        fault_extractor(server, grounded_decoding=True, max_events=4) as extractor,
    ):
        result = extractor.extract(ARTICLE, article_id="astana")
    assert result.attempts == 1
    assert [e.type for e in result.events] == ["meeting", "agreement"]
    assert sum(server.injected.values()) == 0


def _texts(count: int) -> list[str]:
    return [f"Company {i} Holdings met Ministry {i} Officials in Astana." for i in range(count)]


def _draws(server: FaultServer, texts: list[str]) -> list[str]:
    return [server.choose(text) for text in texts]


def test_faults_repeat_with_the_seed_whatever_the_order() -> None:
    texts = _texts(400)
    with (
        FaultServer(even_rates(0.3), seed=7) as one,
        FaultServer(even_rates(0.3), seed=7) as two,
        FaultServer(even_rates(0.3), seed=8) as other,
    ):
        first = _draws(one, texts)
        backwards = dict(zip(reversed(texts), _draws(two, list(reversed(texts))), strict=True))
        assert first == [backwards[text] for text in texts]
        assert first != _draws(other, texts)
    counts = Counter(first)
    assert 80 <= sum(counts[f] for f in FAULTS) <= 160  # 30% of 400 is 120
    assert set(counts) == {OK, *FAULTS}


def test_rates_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown fault class 'http_418'"):
        FaultServer({"http_418": 0.1})
    with pytest.raises(ValueError, match="add up to more than 1"):
        FaultServer({"http_500": 0.6, "http_503": 0.6})
    with pytest.raises(ValueError, match="unknown fault class 'teapot'"):
        FaultServer(script=["teapot"])


def test_counts_what_it_injected() -> None:
    script = ["http_500", "http_500", "reset", OK]
    with FaultServer(script=script) as server, fault_extractor(server) as extractor:
        extractor.extract(ARTICLE, article_id="astana")
        report = server.report()
    assert report["chat_requests"] == 4 and report["correct_answers"] == 1
    assert report["injected"]["http_500"] == 2 and report["injected"]["reset"] == 1
    assert sum(report["injected"].values()) == 3


def test_stops_by_itself_after_its_request_budget() -> None:
    with FaultServer(max_requests=2) as server, fault_extractor(server) as extractor:
        extractor.extract(ARTICLE, article_id="a")
        extractor.extract(ARTICLE, article_id="b")
        server._thread.join(timeout=5)
        assert not server._thread.is_alive()
        with pytest.raises(httpx2.TransportError):
            httpx2.get(f"{server.base_url}/models", timeout=1)
        assert server.chat_requests == 2


def test_stops_by_itself_after_its_lifetime() -> None:
    started = time.monotonic()
    with FaultServer(lifetime_s=0.5) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        server._thread.join(timeout=5)
        assert not server._thread.is_alive()
    assert time.monotonic() - started < 3
