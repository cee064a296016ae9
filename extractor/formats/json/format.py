"""JSON answers through instructor's handlers: its schema, modes, parsing and re-ask messages.

instructor's `ModeHandlers` for the configured mode build each request (tools and
tool_choice, or a response_format, or the schema in a message), parse each answer and
write each re-ask, through instructor's public API. The conversation around them is
the project's own (`extractor.pipeline.conversation`), so every path asks, re-asks and
counts attempts the same way. What does not change between articles is prepared once:
the response model and the request keys its handler adds. Only grounded decoding
(evidence limited to the article's sentences) makes a schema per article.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

import instructor
from extractor_prompts import FewShotExample, PromptTemplate, load_examples, load_template
from extractor_schemas import Article, Event
from instructor.core import AsyncValidationError, ResponseParsingError
from instructor.v2 import ModeHandlers, Provider, mode_registry
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from ...checks.grounding import ArticleIndex
from ...config import Mode, Settings
from ..base import AnswerFormat, Exchange
from .response import GROUNDING_CONTEXT_KEY, ArticleEvents, article_sentences

INSTRUCTOR_MODES: dict[Mode, instructor.Mode] = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}
JSON_TEMPLATE = "events"


@dataclass(frozen=True)
class _Prepared:
    """instructor's wrapped response model, and the request keys its handler adds.

    `added` is None when the handler must see every request (JSON modes put the schema
    into a message); otherwise the keys are computed once and spliced into each body.
    """

    wrapped: type[BaseModel]
    added: dict[str, Any] | None


@dataclass(frozen=True)
class _Reading:
    wrapped: type[BaseModel]
    context: dict[str, Any]


class JsonFormat(AnswerFormat):
    """Schema-constrained JSON for any model, parsed and re-asked by instructor's handlers."""

    name: ClassVar[str] = "json"
    # What instructor's own retry loop re-asks on.
    reask_errors: ClassVar[tuple[type[Exception], ...]] = (
        ValidationError,
        json.JSONDecodeError,
        AsyncValidationError,
        ResponseParsingError,
    )
    failed_chunk_fails_article: ClassVar[bool] = True

    def __init__(
        self,
        settings: Settings,
        model: str,
        template: PromptTemplate | None = None,
        examples: list[FewShotExample] | None = None,
    ) -> None:
        self.settings = settings
        self.mode = INSTRUCTOR_MODES[settings.mode]
        self.handlers: ModeHandlers = mode_registry.get_handlers(Provider.OPENAI, self.mode)
        self.template = template or load_template(JSON_TEMPLATE)
        if examples is None:
            few_shot = settings.few_shot_set
            examples = load_examples(few_shot) if few_shot else []
        self.examples = examples
        self._fixed = {
            "model": model,
            "temperature": settings.temperature,
            "max_tokens": settings.answer_max_tokens,
        }
        bounds = settings.decoding_bounds
        self._grounded_decoding: bool = bounds["evidence_from_sentences"]
        self._bounds = {
            "max_events": bounds["max_events"],
            "max_text_length": bounds["max_text_length"],
        }
        self._shared = self._prepare(ArticleEvents.bounded(**self._bounds))
        self._tail: bytes | None = None
        if self._shared.added is not None:
            members = {**self._fixed, **self._shared.added}
            self._tail = b"," + json.dumps(members, ensure_ascii=False).encode()[1:]

    @property
    def prompt_version(self) -> str:
        return self.template.version

    def fingerprint(self) -> dict[str, Any]:
        return {
            "format": self.name,
            "mode": self.settings.mode,
            "examples": [example.model_dump(mode="json") for example in self.examples],
            "bounds": self.settings.decoding_bounds,
        }

    def _prepare(self, model: type[ArticleEvents]) -> _Prepared:
        wrapped = instructor.response_schema(model)
        _, probe = self.handlers.request_handler(response_model=wrapped, kwargs={"messages": []})
        added: dict[str, Any] | None = {k: v for k, v in probe.items() if k != "messages"}
        if probe.get("messages") != []:
            added = None
        return _Prepared(wrapped, added)

    def messages(self, chunk: Article) -> list[dict[str, Any]]:
        return self.template.render(chunk, self.examples).as_openai()

    def start(self, chunk: Article) -> Exchange:
        prepared, tail = self._shared, self._tail
        if self._grounded_decoding:  # the schema lists this article's sentences
            prepared = self._prepare(
                ArticleEvents.bounded(**self._bounds, evidence_choices=article_sentences(chunk))
            )
            tail = None
        call = {"messages": self.messages(chunk), **self._fixed}
        if prepared.added is not None:
            kwargs = {**call, **prepared.added}
        else:
            _, kwargs = self.handlers.request_handler(response_model=prepared.wrapped, kwargs=call)
        kwargs.pop("autodetect_images", None)
        if self.handlers.message_converter is not None:
            kwargs["messages"] = self.handlers.message_converter(
                kwargs["messages"], autodetect_images=False
            )
        index = ArticleIndex(chunk.text, chunk.body_start, self.settings.name_match_threshold)
        reading = _Reading(prepared.wrapped, {GROUNDING_CONTEXT_KEY: index})
        return Exchange(article=chunk, kwargs=kwargs, state=reading, tail=tail)

    def parse(self, exchange: Exchange, completion: dict[str, Any]) -> list[Event]:
        reading: _Reading = exchange.state
        arguments = (
            _plain_tool_arguments(completion) if self.mode is instructor.Mode.TOOLS else None
        )
        if arguments is not None:  # what instructor's TOOLS parser does, without the SDK types
            answer = reading.wrapped.model_validate_json(
                arguments, context=reading.context, strict=False
            )
        else:
            answer = self.handlers.response_parser(
                response=typed_completion(completion),
                response_model=reading.wrapped,
                validation_context=reading.context,
                strict=False,
                stream=False,
                is_async=False,
            )
        assert isinstance(answer, ArticleEvents)
        return list(answer.events)

    def reask(self, exchange: Exchange, completion: dict[str, Any], error: Exception) -> None:
        exchange.kwargs = self.handlers.reask_handler(
            kwargs=exchange.kwargs, response=typed_completion(completion), exception=error
        )
        exchange.tail = None


def _plain_tool_arguments(completion: dict[str, Any]) -> str | None:
    """The arguments of the one ordinary tool call, or None when instructor's parser must look."""
    choices = completion.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    choice = choices[0]
    message = choice.get("message")
    if choice.get("finish_reason") == "length" or not isinstance(message, dict):
        return None
    if message.get("refusal") is not None:
        return None
    tool_calls = message.get("tool_calls")
    if not isinstance(tool_calls, list) or not tool_calls or not isinstance(tool_calls[0], dict):
        return None
    function = tool_calls[0].get("function")
    arguments = function.get("arguments") if isinstance(function, dict) else None
    return arguments if isinstance(arguments, str) else None


def typed_completion(completion: dict[str, Any]) -> ChatCompletion:
    """The answer as the openai SDK hands it to instructor (built leniently, like the SDK)."""
    return ChatCompletion.construct(**completion)
