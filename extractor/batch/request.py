"""The request path of a batch: the same bodies, parsing and re-asks as instructor, lean.

`Extractor.aextract` goes through instructor's patched `create()`, which rebuilds the
tool schema, compiles every message as a Jinja template and wraps the response model
again on every call (several ms of CPU each). Here the same instructor handlers are
used, but what does not change between articles is prepared once:

- the request body: `Extractor._instructor_call` (prompt, settings, response model,
  grounding context) through instructor's request handler and message converter;
  instructor's templating of each message is reproduced without compiling a template
  when the text holds no Jinja markup (and done by instructor itself when it does);
- the answer: a tool call's arguments go straight to `model_validate_json` with the
  grounding context (what instructor's TOOLS parser does); anything unusual (other
  modes, no tool call, truncated output) goes to instructor's own parser;
- a re-ask: instructor's own re-ask handler, on the answer as the SDK would type it.

tests/test_batch_request.py checks that the bodies equal those `Extractor` sends.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from textwrap import dedent
from typing import Any

from extractor_schemas import Article
from instructor.v2.core.errors import (
    AsyncValidationError,
    InstructorRetryException,
    ResponseParsingError,
)
from instructor.v2.core.mode import Mode
from instructor.v2.core.providers import Provider
from instructor.v2.core.registry import ModeHandlers, mode_registry
from instructor.v2.core.response_model import prepare_response_model
from instructor.v2.core.templating import apply_template  # type: ignore[attr-defined]
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from ..llm.client import INSTRUCTOR_MODES
from ..pipeline import Extractor
from ..response import ArticleEvents

# What instructor's retry loop re-asks on (instructor.v2.core.retry._RETRYABLE_PARSE_ERRORS).
REASK_ERRORS: tuple[type[Exception], ...] = (
    ValidationError,
    json.JSONDecodeError,
    AsyncValidationError,
    ResponseParsingError,
)
_INSTRUCTOR_ONLY = ("response_model", "context", "max_retries", "strict")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_WRAPPED_CACHE_SIZE = 16


def templated(content: str, context: dict[str, Any]) -> str:
    """What instructor's `apply_template(content, context)` returns, without Jinja when possible.

    Text without Jinja markup renders to itself, except that Jinja folds every newline
    to `\\n` and drops one trailing newline; instructor then dedents the result
    (a no-op when the first line is unindented and no line is blanks only).
    """
    if "{" in content and ("{{" in content or "{%" in content or "{#" in content):
        return str(apply_template(content, context))
    if "\r" in content:
        content = _NEWLINE.sub("\n", content)
    if content.endswith("\n"):
        content = content[:-1]
    if (
        content[:1] not in ("", " ", "\t", "\n")
        and " \n" not in content
        and "\t\n" not in content
        and content[-1:] not in (" ", "\t")
    ):
        return content
    return dedent(content)


@dataclass
class Conversation:
    """One article's exchange with the model: the request so far and how to read answers."""

    kwargs: dict[str, Any]
    response_model: type[BaseModel]
    context: dict[str, Any]
    max_reasks: int
    # The JSON members after "messages" while the request is as first built (None after
    # a re-ask): the tool schema is serialised once per batch, not once per request.
    tail: bytes | None = None

    def body(self) -> bytes:
        """The request body: JSON equal to what the openai SDK would send for `kwargs`."""
        if self.tail is None:
            return _dumps(self.kwargs)
        return b'{"messages":' + _dumps(self.kwargs["messages"]) + self.tail


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _members(mapping: dict[str, Any]) -> bytes:
    """`,"a":1,"b":2`: the members of a JSON object, to splice into another."""
    return b"," + _dumps(mapping)[1:-1] if mapping else b""


@dataclass(frozen=True)
class _Prepared:
    wrapped: type[BaseModel]
    added: dict[str, Any] | None
    added_json: bytes


class RequestBuilder:
    """Builds, parses and re-asks exactly as instructor does for the extractor's mode."""

    def __init__(self, extractor: Extractor) -> None:
        self.extractor = extractor
        self.mode = INSTRUCTOR_MODES[extractor.settings.mode]
        self.handlers: ModeHandlers = mode_registry.get_handlers(Provider.OPENAI, self.mode)
        self._cache: dict[type[BaseModel], _Prepared] = {}
        self._prepared(ArticleEvents)  # the tool schema of the shared model, built now

    def _prepared(self, model: type[BaseModel]) -> _Prepared:
        """instructor's wrapped response model, and the keys its request handler adds.

        The keys (tools and tool_choice, or response_format) are computed once when the
        handler leaves the messages alone, as in TOOLS and JSON_SCHEMA modes; None means
        the handler must see every request (JSON modes put the schema into a message).
        Only the shared model is cached: per-article constrained variants are used once.
        """
        cached = self._cache.get(model)
        if cached is not None:
            return cached
        wrapped = prepare_response_model(model)
        assert wrapped is not None
        _, probe = self.handlers.request_handler(response_model=wrapped, kwargs={"messages": []})
        added: dict[str, Any] | None = {k: v for k, v in probe.items() if k != "messages"}
        if probe.get("messages") != []:
            added = None
        prepared = _Prepared(wrapped, added, _members(added) if added is not None else b"")
        if model is ArticleEvents:
            if len(self._cache) >= _WRAPPED_CACHE_SIZE:
                self._cache.clear()
            self._cache[model] = prepared
        return prepared

    def start(self, article: Article) -> Conversation:
        """The first request for an article, as instructor would send it."""
        call = self.extractor._instructor_call(article)
        instructor_args = {key: call.pop(key) for key in _INSTRUCTOR_ONLY}
        context: dict[str, Any] = instructor_args["context"]
        prepared = self._prepared(instructor_args["response_model"])
        tail: bytes | None = None
        if prepared.added is not None:
            kwargs = {**call, "messages": list(call.get("messages", [])), **prepared.added}
            own = {k: v for k, v in call.items() if k != "messages" and k not in prepared.added}
            tail = _members(own) + prepared.added_json + b"}"
        else:
            _, kwargs = self.handlers.request_handler(response_model=prepared.wrapped, kwargs=call)
        kwargs.pop("autodetect_images", None)
        if self.handlers.message_converter is not None and "messages" in kwargs:
            kwargs["messages"] = self.handlers.message_converter(
                kwargs["messages"], autodetect_images=False
            )
        if context:
            kwargs["messages"] = [_templated_message(m, context) for m in kwargs["messages"]]
        return Conversation(
            kwargs=kwargs,
            response_model=prepared.wrapped,
            context=context,
            max_reasks=int(instructor_args["max_retries"]),
            tail=tail,
        )

    def parse(self, conversation: Conversation, completion: dict[str, Any]) -> ArticleEvents:
        """Validate and ground one answer; raises what instructor's parser would."""
        arguments = _plain_tool_arguments(completion) if self.mode is Mode.TOOLS else None
        if arguments is not None:
            answer = conversation.response_model.model_validate_json(
                arguments, context=conversation.context, strict=False
            )
        else:
            answer = self.handlers.response_parser(
                response=typed_completion(completion),
                response_model=conversation.response_model,
                validation_context=conversation.context,
                strict=False,
                stream=False,
                is_async=True,
            )
        assert isinstance(answer, ArticleEvents)
        return answer

    def reask(
        self, conversation: Conversation, completion: dict[str, Any], error: Exception
    ) -> None:
        """Append instructor's re-ask messages for a failed answer to the conversation."""
        conversation.kwargs = self.handlers.reask_handler(
            kwargs=conversation.kwargs, response=typed_completion(completion), exception=error
        )
        conversation.tail = None


def _templated_message(message: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    if isinstance(content, str):
        return {**message, "content": templated(content, context)}
    return message


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


def retry_exhausted(error: Exception, attempts: int, usage: Any) -> InstructorRetryException:
    """The exception instructor raises when re-asks run out (chained to the last error)."""
    exhausted = InstructorRetryException(str(error), n_attempts=attempts, total_usage=usage)
    exhausted.__cause__ = error
    return exhausted
