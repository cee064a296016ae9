"""Runs extractions for the routes: deadlines, batch concurrency, metrics, readiness."""

from __future__ import annotations

import asyncio
import hashlib
import time

from extractor_schemas import Article, ExtractionFailure, ExtractionResult, Record

from ..articles import parse_article
from ..batch import InputItem, MemorySink, run_batch
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
        """One record per item, in order, through the batch engine (`run_batch`); only an
        unreachable backend fails the whole batch. Articles unfinished at the deadline
        become timeout failures."""
        await within(deadline, asyncio.to_thread(self.extractor.connect))
        started = time.perf_counter()
        records: list[Record | None] = [None] * len(items)
        articles: list[InputItem] = []
        for position, item in enumerate(items):
            try:
                article = self.article(item)
            except ArticleError as exc:
                records[position] = _failure(article_id(item), "article_error", str(exc), started)
                continue
            # Positions as ids: two items with one id are still two records.
            articles.append(article.model_copy(update={"id": str(position)}))
        sink = MemorySink()
        concurrency = self.settings.batch_concurrency
        unfinished: ServiceError | None = None
        try:
            await within(
                deadline, run_batch(self.extractor, articles, sink, concurrency=concurrency)
            )
        except ServiceError as exc:
            unfinished = exc
        for position, item in enumerate(items):
            if records[position] is not None:
                continue
            record = sink.records.get(str(position))
            if record is None:
                assert unfinished is not None
                failed = _failure(article_id(item), unfinished.error, unfinished.message, started)
                self.metrics.extractions.labels(unfinished.error).inc()
                records[position] = failed
                continue
            record = record.model_copy(update={"article_id": article_id(item)})
            self._observe(record)
            records[position] = record
        return [record for record in records if record is not None]

    def _observe(self, record: Record) -> None:
        self.metrics.observe_extraction(record)
        if isinstance(record, ExtractionResult) or record.error_class in (
            "request_error",
            "validation_error",
        ):
            self.readiness.backend_answered()
        elif record.error_class == "transport_error":
            self.readiness.backend_failed()


def _failure(identifier: str, error_class: str, message: str, started: float) -> ExtractionFailure:
    return ExtractionFailure(
        article_id=identifier,
        error_class=error_class,
        message=message,
        latency_s=round(time.perf_counter() - started, 3),
    )
