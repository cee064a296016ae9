"""The batch request path sends what `Extractor.aextract` sends and answers what it answers.

Both run against the same scripted FIXTURE replies (tests/fakes/scripted_server.py);
the bodies they post are compared as parsed JSON (the cassette matcher's rule), the
re-ask included, and so are the results and the failures.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from extractor_schemas import ExtractionResult
from instructor.v2.core.templating import apply_template  # type: ignore[attr-defined]

from extractor import ExtractionError, Extractor, load_settings
from extractor.articles import parse_article
from extractor.batch.engine import LeanExtractor
from extractor.batch.request import templated
from extractor.batch.transport import HttpTransport
from tests.conftest import SEEDS
from tests.fakes.scripted_server import Reply, ScriptedServer, tool_call_completion

ASTANA = (
    " date 2025-05-27 ASTANA, May 27. President Kassym-Jomart Tokayev met Xi Gohua, "
    "Chairman of CITIC Group, in Astana. They discussed oil refineries."
)
GROUNDED = {
    "events": [
        {
            "type": "meeting",
            "evidence": "President Kassym-Jomart Tokayev met Xi Gohua, Chairman of CITIC Group, "
            "in Astana.",
            "status": "occurred",
            "date": "2025-05-27",
            "location": "Astana",
            "participants": [
                {"name": "Kassym-Jomart Tokayev", "kind": "person", "title": "President"},
                {"name": "Xi Gohua", "kind": "person", "title": "Chairman"},
            ],
            "topics": ["oil refineries"],
        }
    ]
}
INVENTED = copy.deepcopy(GROUNDED)
INVENTED["events"][0]["evidence"] = "Tokayev signed a treaty with Mars."

SETTINGS_VARIANTS: dict[str, dict[str, Any]] = {
    "endpoint-default": {},
    "embedded-bounds": {
        "few_shot": "none",
        "grounded_decoding": True,
        "max_events": 4,
        "max_text_length": 60,
    },
    "json-schema-mode": {"mode": "json_schema"},
    "md-json-mode": {"mode": "md_json", "few_shot": "none"},
}


def content_completion(arguments: dict[str, Any]) -> dict[str, Any]:
    """A FIXTURE answer with the JSON in the message content (the JSON modes)."""
    completion = tool_call_completion(arguments)
    message = completion["choices"][0]["message"]
    message["content"] = json.dumps(arguments)
    del message["tool_calls"]
    completion["choices"][0]["finish_reason"] = "stop"
    return completion


def _answer(mode: str, arguments: dict[str, Any]) -> Reply:
    if mode in ("json_schema", "md_json"):
        return Reply(200, content_completion(arguments))
    return Reply(200, tool_call_completion(arguments))


def _settings(server: ScriptedServer, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "base_url": server.base_url,
        "model": "fixture",
        "backoff_initial_s": 0.01,
        "backoff_max_s": 0.02,
        **overrides,
    }
    return load_settings(**values)


async def _lean(server: ScriptedServer, article: Any, **overrides: Any) -> ExtractionResult:
    extractor = Extractor(_settings(server, **overrides))
    async with HttpTransport(extractor.settings, server.base_url) as transport:
        return await LeanExtractor(extractor, transport).aextract(article)


async def _classic(server: ScriptedServer, article: Any, **overrides: Any) -> ExtractionResult:
    with Extractor(_settings(server, **overrides)) as extractor:
        return await extractor.aextract(article)


@pytest.mark.parametrize("variant", list(SETTINGS_VARIANTS))
async def test_bodies_and_results_match_extractor_with_a_reask(variant: str) -> None:
    overrides = SETTINGS_VARIANTS[variant]
    mode = overrides.get("mode", "tools")
    article = parse_article(ASTANA, "astana")
    replies = (_answer(mode, INVENTED), _answer(mode, GROUNDED))
    with ScriptedServer() as classic_server, ScriptedServer() as lean_server:
        classic_server.queue(*replies)
        lean_server.queue(*replies)
        expected = await _classic(classic_server, article, **overrides)
        got = await _lean(lean_server, article, **overrides)
    assert len(classic_server.requests) == 2
    assert lean_server.requests == classic_server.requests
    assert "is not text of the article" in json.dumps(lean_server.requests[1]["messages"])
    assert got.model_dump(exclude={"latency_s"}) == expected.model_dump(exclude={"latency_s"})
    assert got.attempts == 2


@pytest.mark.parametrize(
    "text",
    [
        (SEEDS / "000_0cd24d71fac579ce.txt").read_text("utf-8"),
        (SEEDS / "004_1defd1476dc2c061.txt").read_text("utf-8"),
        "date 2024-03-01\r\n    Indented body.\r\n    Second line, CRLF.\r\n\r\n",
        " date 2024-03-01 Braces {{ 6 * 7 }} and {% raw %}{{x}}{% endraw %} stay.",
        " date 2024-03-01 A lone { brace } and #} and %} are text.\n\n\n",
    ],
    ids=["seed-000", "seed-004", "crlf-indented", "jinja-markup", "stray-braces"],
)
async def test_first_body_matches_for_real_and_tricky_articles(text: str) -> None:
    article = parse_article(text, "article")
    no_events = Reply(200, tool_call_completion({"events": []}))
    with ScriptedServer() as classic_server, ScriptedServer() as lean_server:
        classic_server.queue(no_events)
        lean_server.queue(no_events)
        await _classic(classic_server, article)
        await _lean(lean_server, article)
    assert lean_server.requests == classic_server.requests


@pytest.mark.parametrize(
    "content",
    [
        "plain",
        "line\r\nbreaks\rof\nall kinds\n",
        "  indented\n  block\n\n  with blank\n",
        "   \n  only\n \n",
        "trailing newlines\n\n",
        "{{ 1 + 1 }} and {# note #}",
        "",
        "\n",
        "\nfirst line blank\n  indented",
        "ends with spaces   ",
        "tab\t\nline",
        "a line ending in a space \nnext",
        "single { brace and } and %} and #}",
        "mixed\r\n\tindent\r\n",
    ],
)
def test_templated_equals_instructor_apply_template(content: str) -> None:
    context = {"article_index": object()}
    assert templated(content, context) == apply_template(content, context)


async def _failure(coro: Any) -> ExtractionError:
    with pytest.raises(ExtractionError) as caught:
        await coro
    return caught.value


@pytest.mark.parametrize(
    ("replies", "overrides"),
    [
        ([Reply(503, {"error": {"message": "overloaded"}})] * 3, {"transport_max_attempts": 3}),
        ([Reply(400, {"error": {"message": "bad model"}})], {}),
        ([Reply(200, tool_call_completion(INVENTED))] * 2, {"max_reasks": 1}),
        ([Reply(200, tool_call_completion('{"events": [ {"type": "meet'))], {"max_reasks": 0}),
    ],
    ids=["transport-exhausted", "client-error", "reasks-exhausted", "broken-json"],
)
async def test_failures_match_extractor(replies: list[Reply], overrides: dict[str, Any]) -> None:
    article = parse_article(ASTANA, "astana")
    with ScriptedServer() as classic_server, ScriptedServer() as lean_server:
        classic_server.queue(*replies)
        lean_server.queue(*replies)
        expected = await _failure(_classic(classic_server, article, **overrides))
        got = await _failure(_lean(lean_server, article, **overrides))
    assert lean_server.requests == classic_server.requests
    assert got.as_record("astana") == expected.as_record("astana")
    assert got.retry_after_s == expected.retry_after_s


async def test_retry_after_is_honoured_and_never_reaches_a_prompt(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.queue(
        Reply(429, {"error": {"message": "Rate limit reached"}}, {"retry-after-ms": "10"}),
        Reply(200, tool_call_completion(GROUNDED)),
    )
    result = await _lean(scripted_server, parse_article(ASTANA, "astana"))
    assert result.requests == 2 and result.attempts == 1
    assert scripted_server.requests[0] == scripted_server.requests[1]
    assert "Rate limit" not in json.dumps(scripted_server.requests)
