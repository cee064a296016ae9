"""One article in, validated and grounded events out: the sync and async drivers."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import date

from extractor_prompts import FewShotExample, PromptTemplate
from extractor_schemas import Article, Event, ExtractionResult

from ..articles import checked_article, decode_article, parse_article
from ..config import Settings, load_settings
from ..errors import ExtractionError
from ..formats import AnswerFormat, Exchange, choose
from ..llm.backend import Backend
from ..llm.stats import CallStats, begin_call
from ..redact import redact
from ..text.chunking import Chunk, split_article
from .conversation import Completion, Conversation, aconverse, converse
from .outcome import Labels, build_failure, build_result

ArticleInput = Article | str | bytes


class Extractor:
    """Reusable extractor: holds the settings, the answer format and the LLM connection."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        template: PromptTemplate | None = None,
        examples: list[FewShotExample] | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        self.backend = Backend(self.settings)
        self.format: AnswerFormat = choose(
            self.settings, self.backend.model, template=template, examples=examples
        )
        self.labels = Labels(
            model=self.backend.model,
            prompt_version=self.format.prompt_version,
            check_dates=self.settings.check_dates,
            answer_max_tokens=self.settings.answer_max_tokens,
        )
        key = self.settings.api_key
        self._secrets = [key.get_secret_value()] if key else []

    @property
    def model(self) -> str:
        return self.backend.model

    @property
    def prompt_version(self) -> str:
        return self.format.prompt_version

    def chunks(self, article: Article) -> list[Chunk]:
        """The pieces the article is asked in; raises ArticleError when it is over the limit."""
        return split_article(article, self.settings, self.format.max_chunk_tokens)

    def conversation(self, chunks: Sequence[Chunk]) -> Conversation:
        """A new conversation about one article's chunks (see `extractor.pipeline.conversation`)."""
        return Conversation(self.format, chunks, self.settings.max_reasks)

    def result(
        self,
        article: Article,
        chunks: Sequence[Chunk],
        answers: Sequence[Sequence[Event]],
        stats: CallStats,
        latency_s: float,
    ) -> ExtractionResult:
        return build_result(article, chunks, answers, stats, latency_s, self.labels)

    def failure(self, exc: Exception, stats: CallStats, latency_s: float) -> ExtractionError:
        return build_failure(exc, stats, self.labels, latency_s, self.redact)

    def redact(self, text: str) -> str:
        """`text` without the configured API key."""
        return redact(text, self._secrets)

    def extract(
        self,
        article: ArticleInput,
        *,
        article_id: str | None = None,
        published: date | str | None = None,
    ) -> ExtractionResult:
        parsed = to_article(article, article_id, published)
        chunks = self.chunks(parsed)
        client = self.backend.client()

        def send(exchange: Exchange) -> Completion:
            completion: Completion = client.send(**exchange.kwargs).model_dump()
            return completion

        stats = begin_call()
        started = time.perf_counter()
        try:
            answers = converse(self.conversation(chunks), send)
        except Exception as exc:
            raise self.failure(exc, stats, time.perf_counter() - started) from exc
        return self.result(parsed, chunks, answers, stats, time.perf_counter() - started)

    async def aextract(
        self,
        article: ArticleInput,
        *,
        article_id: str | None = None,
        published: date | str | None = None,
    ) -> ExtractionResult:
        parsed = to_article(article, article_id, published)
        chunks = self.chunks(parsed)
        client = await asyncio.to_thread(self.backend.client)

        async def send(exchange: Exchange) -> Completion:
            completion: Completion = (await client.asend(**exchange.kwargs)).model_dump()
            return completion

        return await self.aextract_with(parsed, chunks, send, begin_call())

    async def aextract_with(
        self,
        article: Article,
        chunks: Sequence[Chunk],
        send: Callable[[Exchange], Awaitable[Completion]],
        stats: CallStats,
    ) -> ExtractionResult:
        """Extract `article` through any async sender that records into `stats`."""
        started = time.perf_counter()
        try:
            answers = await aconverse(self.conversation(chunks), send)
        except Exception as exc:
            raise self.failure(exc, stats, time.perf_counter() - started) from exc
        return self.result(article, chunks, answers, stats, time.perf_counter() - started)

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
    """An Article from what a caller passes: an Article, or text (str or bytes)."""
    if isinstance(article, Article):
        return checked_article(article)
    if isinstance(article, bytes):
        article = decode_article(article, f"article {article_id or '(bytes)'!r}")
    if not isinstance(article, str):
        raise TypeError(f"expected an Article, str or bytes, got {type(article).__name__}")
    digest = hashlib.sha256(article.encode("utf-8", "surrogatepass")).hexdigest()
    return parse_article(article, article_id or digest[:16], published)
