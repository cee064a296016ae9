"""The JSON format sends what instructor itself sends, and the batch driver (aiohttp)
sends and answers what `Extractor.aextract` (openai SDK) does.

All run against the same scripted FIXTURE replies (tests/fakes/scripted_server.py);
the bodies they post are compared as parsed JSON (the cassette matcher's rule), the
re-ask included, and so are the results and the failures. The reference for the
bodies is instructor's own patched `create()` with its own retry loop.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import instructor
import openai
import pytest
from extractor_schemas import ExtractionResult
from pydantic import model_validator

from extractor import ExtractionError, Extractor, load_settings
from extractor.articles import parse_article
from extractor.batch.driver import BatchDriver
from extractor.batch.transport import HttpTransport
from extractor.checks.grounding import ArticleIndex
from extractor.formats.json.format import JsonFormat
from extractor.formats.json.response import ArticleEvents, article_sentences
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
        return await BatchDriver(extractor, transport).aextract(article)


def _grounded_in(model: type[ArticleEvents], index: ArticleIndex) -> type[ArticleEvents]:
    """`model` checking grounding itself, as instructor sees no validation context here."""

    def grounded(self: ArticleEvents) -> ArticleEvents:
        problems = index.problems(list(self.events))
        if problems:
            raise ValueError("answer is not grounded in the article: " + " ".join(problems))
        return self

    namespace = {"_reference_grounded": model_validator(mode="after")(grounded)}
    attributes = {**namespace, "__module__": model.__module__, "__doc__": model.__doc__}
    return type(model.__name__, (model,), attributes)


async def _instructor(server: ScriptedServer, article: Any, **overrides: Any) -> Any:
    """The same request through instructor's own `create()` and retry loop."""
    extractor = Extractor(_settings(server, **overrides))
    answer_format = extractor.format
    assert isinstance(answer_format, JsonFormat)
    bounds = extractor.settings.decoding_bounds
    choices = article_sentences(article) if bounds["evidence_from_sentences"] else None
    model = ArticleEvents.bounded(
        max_events=bounds["max_events"],
        max_text_length=bounds["max_text_length"],
        evidence_choices=choices,
    )
    index = ArticleIndex(article.text, article.body_start, extractor.settings.name_match_threshold)
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="no-key", max_retries=0)
    create = instructor.patch(create=client.chat.completions.create, mode=answer_format.mode)
    return await create(
        model="fixture",
        messages=answer_format.template.render(article, answer_format.examples).as_openai(),
        temperature=extractor.settings.temperature,
        max_tokens=extractor.settings.answer_max_tokens,
        response_model=_grounded_in(model, index),
        max_retries=extractor.settings.max_reasks,
        strict=False,
    )


async def _classic(server: ScriptedServer, article: Any, **overrides: Any) -> ExtractionResult:
    with Extractor(_settings(server, **overrides)) as extractor:
        return await extractor.aextract(article)


@pytest.mark.parametrize("variant", list(SETTINGS_VARIANTS))
async def test_bodies_equal_instructors_own_with_a_reask(variant: str) -> None:
    overrides = SETTINGS_VARIANTS[variant]
    mode = overrides.get("mode", "tools")
    article = parse_article(ASTANA, "astana")
    replies = (_answer(mode, INVENTED), _answer(mode, GROUNDED))
    with ScriptedServer() as reference, ScriptedServer() as ours, ScriptedServer() as lean:
        for server in (reference, ours, lean):
            server.queue(*replies)
        answer = await _instructor(reference, article, **overrides)
        classic = await _classic(ours, article, **overrides)
        got = await _lean(lean, article, **overrides)
    assert len(reference.requests) == 2
    assert ours.requests == reference.requests
    assert lean.requests == reference.requests
    assert "is not text of the article" in json.dumps(lean.requests[1]["messages"])
    assert [e.evidence for e in got.events] == [e.evidence for e in answer.events]
    assert got.model_dump(exclude={"latency_s"}) == classic.model_dump(exclude={"latency_s"})
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
    with ScriptedServer() as reference, ScriptedServer() as lean:
        reference.queue(no_events)
        lean.queue(no_events)
        await _instructor(reference, article)
        await _lean(lean, article)
    assert lean.requests == reference.requests


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
    assert got.as_record("astana", 0.0) == expected.as_record("astana", 0.0)
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
