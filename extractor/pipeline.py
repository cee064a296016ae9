"""One article in, validated and grounded events out."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Sequence
from datetime import date
from typing import Any

import openai
from extractor_prompts import FewShotExample, PromptTemplate, load_examples, load_template
from extractor_schemas import Article, Event, ExtractionResult
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from pydantic import ValidationError

from .articles import checked_article, decode_article, parse_article
from .backend import Backend
from .chunking import Chunk, merge_events, split_article
from .compact_conversation import CompactRequests
from .compact_prompt import COMPACT_TEMPLATE, compact_view
from .config import Settings, load_settings
from .dates import with_checked_date
from .errors import ExtractionError
from .grounding import ArticleIndex
from .llm.stats import CallStats, begin_call
from .llm.transport import is_transient, retry_after_s
from .repeats import distinct
from .response import ArticleEvents

ArticleInput = Article | str | bytes


class Extractor:
    """Reusable extractor: holds the settings, the prompt and the LLM connection."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        template: PromptTemplate | None = None,
        examples: list[FewShotExample] | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        self.compact = self.settings.uses_compact
        self.template = template or load_template(COMPACT_TEMPLATE if self.compact else "events")
        if examples is None:
            few_shot = None if self.compact else self.settings.few_shot_set
            examples = load_examples(few_shot) if few_shot else []
        self.examples = examples
        self.backend = Backend(self.settings)
        self.compact_requests = CompactRequests(self)

    @property
    def model(self) -> str:
        return self.backend.model

    @property
    def prompt_version(self) -> str:
        return self.template.version

    def prepare(self, article: Article) -> dict[str, Any]:
        """The chat-completion arguments for one article (without the response model)."""
        shown = compact_view(article) if self.compact else article
        messages = self.template.render(shown, self.examples)
        return {
            "model": self.model,
            "messages": messages.as_openai(),
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.answer_max_tokens,
        }

    def response_model(
        self, article: Article, index: ArticleIndex | None = None
    ) -> type[ArticleEvents]:
        return ArticleEvents.constrained(article, index=index, **self.settings.decoding_bounds)

    def article_index(self, article: Article) -> ArticleIndex:
        """What answers about `article` are grounded in."""
        return ArticleIndex(article.text, article.body_start, self.settings.name_match_threshold)

    def _instructor_call(self, article: Article) -> dict[str, Any]:
        """Everything instructor needs for one article: request, schema, grounding, re-asks."""
        index = self.article_index(article)
        return {
            "response_model": self.response_model(article, index),
            "context": {},  # empty on purpose: instructor templates messages with a context
            "max_retries": self.settings.max_reasks,
            "strict": False,
            **self.prepare(article),
        }

    def extract(
        self,
        article: ArticleInput,
        *,
        article_id: str | None = None,
        published: date | str | None = None,
    ) -> ExtractionResult:
        parsed = to_article(article, article_id, published)
        chunks = split_article(parsed, self.settings)
        client = self.backend.client()
        stats = begin_call()
        started = time.perf_counter()
        try:
            if self.compact:
                answers = self.compact_requests.ask_chunks(client.send, chunks)
            else:
                answers = [client.create(**self._instructor_call(c.article)).events for c in chunks]
        except Exception as exc:
            raise self._failure(exc, stats, client.redact) from exc
        return self._merged_result(parsed, chunks, answers, stats, time.perf_counter() - started)

    async def aextract(
        self,
        article: ArticleInput,
        *,
        article_id: str | None = None,
        published: date | str | None = None,
    ) -> ExtractionResult:
        parsed = to_article(article, article_id, published)
        chunks = split_article(parsed, self.settings)
        client = await asyncio.to_thread(self.backend.client)
        stats = begin_call()
        started = time.perf_counter()
        try:
            if self.compact:
                answers = await self.compact_requests.aask_chunks(client.asend, chunks)
            else:
                answers = [
                    (await client.acreate(**self._instructor_call(c.article))).events
                    for c in chunks
                ]
        except Exception as exc:
            raise self._failure(exc, stats, client.redact) from exc
        return self._merged_result(parsed, chunks, answers, stats, time.perf_counter() - started)

    def _merged_result(
        self,
        article: Article,
        chunks: Sequence[Chunk],
        answers: Sequence[Sequence[Event]],
        stats: CallStats,
        latency_s: float,
    ) -> ExtractionResult:
        """The result of every chunk's events, merged in whole-article offsets."""
        answer = ArticleEvents.model_construct(events=merge_events(chunks, answers))
        return self._result(article, answer, stats, latency_s)

    def _result(
        self, article: Article, answer: ArticleEvents, stats: CallStats, latency_s: float
    ) -> ExtractionResult:
        events = list(answer.events)
        if self.settings.check_dates:
            events = [with_checked_date(event, article.published) for event in events]
        events = distinct(events)  # after the date check: two dates are two happenings
        return ExtractionResult(
            article_id=article.id,
            published=article.published,
            events=events,
            model=self.model,
            prompt_version=self.prompt_version,
            usage=stats.usage,
            attempts=max(stats.answers, 1),
            requests=max(stats.requests, 1),
            latency_s=round(latency_s, 3),
        )

    def _failure(self, exc: Exception, stats: CallStats, redact: Any) -> ExtractionError:
        cause: BaseException = exc
        if isinstance(exc, InstructorRetryException) and exc.__cause__ is not None:
            cause = exc.__cause__
        if is_transient(cause):
            kind = "transport"
            message = f"endpoint kept failing after {stats.requests} requests: {_describe(cause)}"
        elif isinstance(cause, openai.APIStatusError):
            kind = "request"
            message = f"endpoint refused the request: {_describe(cause)}"
        elif isinstance(cause, IncompleteOutputException):
            kind = "validation"
            budget = self.settings.answer_max_tokens
            message = (
                f"the answer was cut off at EXTRACTOR_MAX_TOKENS ({budget}) "
                f"after {stats.answers} attempts"
            )
        elif isinstance(cause, (ValidationError, ValueError)) or isinstance(
            exc, InstructorRetryException
        ):
            kind = "validation"
            message = f"no valid answer in {stats.answers} attempts: {_validation_summary(cause)}"
        else:
            kind = "internal"
            message = f"{type(cause).__name__}: {_first_line(cause)}"
        return ExtractionError(
            redact(message),
            kind=kind,
            attempts=stats.answers,
            requests=stats.requests,
            usage=stats.usage,
            last_completion=stats.last_completion,
            retry_after_s=retry_after_s(cause),
        )

    def connect(self) -> None:
        """Start or check the backend now, so misconfiguration fails before any work."""
        self.backend.client()

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def to_article(
    article: ArticleInput, article_id: str | None, published: date | str | None
) -> Article:
    if isinstance(article, Article):
        return checked_article(article)
    if isinstance(article, bytes):
        article = decode_article(article, f"article {article_id or '(bytes)'!r}")
    if not isinstance(article, str):
        raise TypeError(f"expected an Article, str or bytes, got {type(article).__name__}")
    digest = hashlib.sha256(article.encode("utf-8", "surrogatepass")).hexdigest()
    return parse_article(article, article_id or digest[:16], published)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code} {_first_line(exc)}"
    return f"{type(exc).__name__}: {_first_line(exc)}"


def _validation_summary(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        messages = [str(error["msg"]).removeprefix("Value error, ") for error in exc.errors()]
        return "; ".join(messages)[:600]
    return _first_line(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return first[:300] if not first.startswith("{") else json.dumps(first[:300])
