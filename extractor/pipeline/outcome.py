"""What an article's extraction comes to: a result built from its chunks' answers, or an
`ExtractionError` that says why no result could be had. Every driver builds both here."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import openai
from extractor_schemas import Article, Event, ExtractionResult
from instructor.core import IncompleteOutputException
from pydantic import ValidationError

from ..checks.dates import with_checked_date
from ..checks.merge import merge_events
from ..checks.repeats import distinct
from ..errors import ExtractionError
from ..llm.stats import CallStats
from ..llm.transport import is_transient, retry_after_s
from ..text.chunking import Chunk
from .conversation import ReasksSpent


@dataclass(frozen=True)
class Labels:
    """What a result records about how it was made."""

    model: str
    prompt_version: str
    check_dates: bool
    answer_max_tokens: int


def build_result(
    article: Article,
    chunks: Sequence[Chunk],
    answers: Sequence[Sequence[Event]],
    stats: CallStats,
    latency_s: float,
    labels: Labels,
) -> ExtractionResult:
    """The article's result: every chunk's events merged in whole-article offsets, dates
    checked against the publication date, repeats dropped."""
    events = merge_events(chunks, answers)
    if labels.check_dates:
        events = [with_checked_date(event, article.published) for event in events]
    events = distinct(events)  # after the date check: two dates are two happenings
    return ExtractionResult(
        article_id=article.id,
        published=article.published,
        events=events,
        model=labels.model,
        prompt_version=labels.prompt_version,
        usage=stats.usage,
        attempts=max(stats.answers, 1),
        requests=max(stats.requests, 1),
        latency_s=round(latency_s, 3),
    )


def build_failure(
    exc: Exception,
    stats: CallStats,
    labels: Labels,
    latency_s: float,
    redact: Callable[[str], str],
) -> ExtractionError:
    """The `ExtractionError` for an extraction that raised `exc`, classified by its cause."""
    cause: BaseException = exc
    if isinstance(exc, ReasksSpent) and exc.__cause__ is not None:
        cause = exc.__cause__
    if is_transient(cause):
        kind = "transport"
        message = (
            f"endpoint kept failing after {_count(stats.requests, 'request')}: {describe(cause)}"
        )
    elif isinstance(cause, openai.APIStatusError):
        kind = "request"
        message = f"endpoint refused the request: {describe(cause)}"
    elif isinstance(cause, IncompleteOutputException):
        kind = "validation"
        message = (
            f"the answer was cut off at EXTRACTOR_MAX_TOKENS ({labels.answer_max_tokens}) "
            f"after {_count(stats.answers, 'attempt')}"
        )
    elif isinstance(exc, ReasksSpent) or isinstance(cause, (ValidationError, ValueError)):
        kind = "validation"
        message = (
            f"no valid answer in {_count(stats.answers, 'attempt')}: {validation_summary(cause)}"
        )
    else:
        kind = "internal"
        message = f"{type(cause).__name__}: {first_line(cause)}"
    if isinstance(cause, openai.APIStatusError) and "response_format" in str(cause):
        message += (
            " (the endpoint does not accept this request's response_format: try "
            "EXTRACTOR_MODE=tools or EXTRACTOR_MODE=json)"
        )
    return ExtractionError(
        redact(message),
        kind=kind,
        attempts=stats.answers,
        requests=stats.requests,
        usage=stats.usage,
        last_completion=stats.last_completion,
        retry_after_s=retry_after_s(cause),
        latency_s=latency_s,
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def describe(exc: BaseException) -> str:
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code} {first_line(exc)}"
    return f"{type(exc).__name__}: {first_line(exc)}"


def validation_summary(exc: BaseException) -> str:
    """The validation errors, each with the path of the field it concerns."""
    if isinstance(exc, ValidationError):
        messages = []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            path = ".".join(str(part) for part in error["loc"])
            messages.append(f"{path}: {message}" if path else message)
        return "; ".join(messages)[:600]
    return first_line(exc)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return first[:300] if not first.startswith("{") else json.dumps(first[:300])
