"""Runs extractions for the routes: deadlines, batch concurrency, metrics, readiness."""

from __future__ import annotations

import asyncio
import hashlib
import time

from extractor_schemas import Article, ExtractionFailure, ExtractionResult, Record

from ..articles import parse_article
from ..errors import ArticleError, BackendUnavailable, ExtractionError
from ..pipeline import Extractor
from .limits import within
from .metrics import ServiceMetrics
from .models import ExtractRequest
from .problems import ServiceError
from .readiness import Readiness
from .settings import ServiceSettings


def article_id(item: ExtractRequest) -> str:
    """The given id, or a hash of the text as the pipeline makes it."""
    return item.id or hashlib.sha256(item.text.encode()).hexdigest()[:16]


def article_from(item: ExtractRequest) -> Article:
    return parse_article(item.text, article_id(item), item.published)


class Runner:
    def __init__(
        self,
        extractor: Extractor,
        settings: ServiceSettings,
        metrics: ServiceMetrics,
        readiness: Readiness,
    ) -> None:
        self.extractor = extractor
        self.settings = settings
        self.metrics = metrics
        self.readiness = readiness

    def deadline(self) -> float:
        return time.monotonic() + self.settings.request_timeout_s

    def article(self, item: ExtractRequest) -> Article:
        """The item as an Article; an ArticleError is counted, then raised."""
        try:
            return article_from(item)
        except ArticleError:
            self.metrics.extractions.labels("article_error").inc()
            raise

    async def extract_one(self, article: Article, deadline: float) -> ExtractionResult:
        """Extract one article; errors are counted, then raised for the error handlers."""
        try:
            result = await within(deadline, self.extractor.aextract(article))
        except ExtractionError as exc:
            self.metrics.observe_extraction(exc.as_record(article.id))
            if exc.kind == "transport":
                self.readiness.backend_failed()
            elif exc.kind in ("request", "validation"):
                self.readiness.backend_answered()
            raise
        except BackendUnavailable:
            self.metrics.extractions.labels("backend_unavailable").inc()
            self.readiness.backend_failed()
            raise
        except ServiceError as exc:
            self.metrics.extractions.labels(exc.error).inc()
            raise
        self.metrics.observe_extraction(result)
        self.readiness.backend_answered()
        return result

    async def extract_many(self, items: list[ExtractRequest], deadline: float) -> list[Record]:
        """One record per item, in order; only an unreachable backend fails the whole batch."""
        await within(deadline, asyncio.to_thread(self.extractor.connect))
        slots = asyncio.Semaphore(self.settings.batch_concurrency)

        async def one(item: ExtractRequest) -> Record:
            started = time.perf_counter()
            try:
                article = self.article(item)
            except ArticleError as exc:
                return _failure(article_id(item), "article_error", str(exc), started)
            try:
                async with slots:
                    return await self.extract_one(article, deadline)
            except ExtractionError as exc:
                return exc.as_record(article.id, time.perf_counter() - started)
            except BackendUnavailable as exc:
                return _failure(article.id, "backend_unavailable", str(exc), started)
            except ServiceError as exc:
                return _failure(article.id, exc.error, exc.message, started)

        return list(await asyncio.gather(*(one(item) for item in items)))


def _failure(identifier: str, error_class: str, message: str, started: float) -> ExtractionFailure:
    return ExtractionFailure(
        article_id=identifier,
        error_class=error_class,
        message=message,
        latency_s=round(time.perf_counter() - started, 3),
    )
