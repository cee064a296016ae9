"""Transport retries and validation re-asks, against a scripted local server (fixture)."""

from __future__ import annotations

import json

import pytest

from extractor import ExtractionError, Extractor, load_settings
from tests.fakes.scripted_server import Reply, ScriptedServer, tool_call_completion

ARTICLE = (
    " date 2025-05-27 ASTANA, May 27. President Kassym-Jomart Tokayev met Xi Gohua, "
    "Chairman of CITIC Group, in Astana. They discussed oil refineries."
)
VALID = {
    "events": [
        {
            "type": "meeting",
            "evidence": (
                "President Kassym-Jomart Tokayev met Xi Gohua, Chairman of CITIC Group, in Astana."
            ),
            "status": "occurred",
            "date": "2025-05-27",
            "location": "Astana",
            "participants": [
                {
                    "name": "Kassym-Jomart Tokayev",
                    "kind": "person",
                    "title": "President",
                    "affiliation": None,
                },
                {
                    "name": "Xi Gohua",
                    "kind": "person",
                    "title": "Chairman",
                    "affiliation": "CITIC Group",
                },
            ],
            "topics": ["oil refineries"],
        }
    ]
}
RATE_LIMIT_MESSAGE = "Rate limit reached for requests; slow down please"


def _extractor(server: ScriptedServer, **overrides: object) -> Extractor:
    settings = load_settings(
        base_url=server.base_url,
        model="fixture",
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
        **overrides,
    )
    return Extractor(settings)


def _prompts(server: ScriptedServer) -> str:
    return json.dumps([request["messages"] for request in server.requests])


def test_429_then_invalid_json_then_valid_sums_attempts_and_usage(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.queue(
        Reply(
            429,
            {"error": {"message": RATE_LIMIT_MESSAGE, "type": "rate_limit"}},
            {"retry-after": "1"},
        ),
        Reply(
            200,
            tool_call_completion(
                '{"events": [ {"type": "meet', prompt_tokens=300, completion_tokens=7
            ),
        ),
        Reply(200, tool_call_completion(VALID, prompt_tokens=420, completion_tokens=90)),
    )
    with _extractor(scripted_server) as extractor:
        result = extractor.extract(ARTICLE, article_id="astana")

    assert len(scripted_server.requests) == 3
    assert result.requests == 3
    assert result.attempts == 2  # two answers: the broken one and the valid one
    assert result.usage.prompt_tokens == 720
    assert result.usage.completion_tokens == 97
    assert result.usage.total_tokens == 817
    assert RATE_LIMIT_MESSAGE not in _prompts(scripted_server)
    assert "429" not in _prompts(scripted_server)
    # The re-ask (third request) tells the model what was wrong with its JSON.
    assert len(scripted_server.requests[2]["messages"]) > len(
        scripted_server.requests[0]["messages"]
    )
    [event] = result.events
    assert event.type == "meeting"
    assert event.evidence_span is not None
    assert ARTICLE[event.evidence_span.start : event.evidence_span.end] == event.evidence
    assert result.published is not None and result.published.isoformat() == "2025-05-27"


def test_ungrounded_answer_is_reasked_with_the_reason(scripted_server: ScriptedServer) -> None:
    invented = json.loads(json.dumps(VALID))
    invented["events"][0]["evidence"] = "Tokayev signed a treaty with Mars."
    scripted_server.queue(
        Reply(200, tool_call_completion(invented)), Reply(200, tool_call_completion(VALID))
    )
    with _extractor(scripted_server) as extractor:
        result = extractor.extract(ARTICLE, article_id="astana")
    assert result.attempts == 2
    reask = json.dumps(scripted_server.requests[1]["messages"])
    assert "is not text of the article" in reask


def test_reasks_are_bounded_and_the_error_carries_cost(scripted_server: ScriptedServer) -> None:
    invented = json.loads(json.dumps(VALID))
    invented["events"][0]["participants"][0]["name"] = "Emmanuel Macron"
    scripted_server.queue(
        *[Reply(200, tool_call_completion(invented, prompt_tokens=10, completion_tokens=5))] * 3
    )
    with (
        _extractor(scripted_server, max_reasks=2) as extractor,
        pytest.raises(ExtractionError) as caught,
    ):
        extractor.extract(ARTICLE, article_id="astana")
    error = caught.value
    assert error.kind == "validation"
    assert error.attempts == 3
    assert error.usage.total_tokens == 45
    assert error.last_completion is not None
    assert "Emmanuel Macron" in str(error)


def test_transport_failures_are_bounded_and_never_reasked(scripted_server: ScriptedServer) -> None:
    scripted_server.queue(*[Reply(503, {"error": {"message": "overloaded"}})] * 3)
    extractor = _extractor(scripted_server, transport_max_attempts=3)
    with extractor, pytest.raises(ExtractionError) as caught:
        extractor.extract(ARTICLE, article_id="astana")
    assert caught.value.kind == "transport"
    assert caught.value.requests == 3
    assert caught.value.attempts == 0
    assert "HTTP 503" in str(caught.value)


def test_client_errors_are_not_retried(scripted_server: ScriptedServer) -> None:
    scripted_server.queue(Reply(400, {"error": {"message": "bad model"}}))
    with _extractor(scripted_server) as extractor, pytest.raises(ExtractionError) as caught:
        extractor.extract(ARTICLE, article_id="astana")
    assert caught.value.kind == "request"
    assert len(scripted_server.requests) == 1


async def test_aextract_matches_extract(scripted_server: ScriptedServer) -> None:
    scripted_server.queue(Reply(200, tool_call_completion(VALID)))
    with _extractor(scripted_server) as extractor:
        result = await extractor.aextract(ARTICLE, article_id="astana")
    assert [e.type for e in result.events] == ["meeting"]
    assert result.attempts == 1 and result.requests == 1


def test_article_text_is_never_run_as_a_template(scripted_server: ScriptedServer) -> None:
    text = "date 2024-05-01\nACME {{ article_index }} said {% if x %}yes{% endif %} {# c #}."
    scripted_server.queue(Reply(200, tool_call_completion({"events": []})))
    with Extractor(load_settings(base_url=scripted_server.base_url, model="m")) as extractor:
        result = extractor.extract(text, article_id="braces")
    assert result.events == []
    sent = json.dumps(scripted_server.requests[0]["messages"])
    assert "{{ article_index }}" in sent and "{% if x %}yes{% endif %}" in sent
    assert "ArticleIndex object" not in sent
