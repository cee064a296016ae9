"""One article through the lean request path: the same result as `Extractor.aextract`."""

from __future__ import annotations

import time
from typing import Any

from extractor_schemas import Article, Event, ExtractionResult
from instructor.core.exceptions import InstructorRetryException

from ..chunking import split_article
from ..compact_conversation import CompactRequests, usable_chunks
from ..errors import ArticleError, ExtractionError
from ..llm.stats import CallStats, begin_call
from ..pipeline import Extractor
from ..redact import redact
from .request import REASK_ERRORS, RequestBuilder, retry_exhausted
from .transport import HttpTransport

REASKED = (*REASK_ERRORS, *CompactRequests.reask_errors)


class LeanExtractor:
    """`Extractor.aextract` for many concurrent articles on one shared HTTP session.

    Same request bodies, validation, grounding, re-asks (instructor's messages, or the
    compact format's for the tuned embedded model) and
    transport retries (the project's tenacity policy); the result or the
    `ExtractionError` is built by the same `Extractor` code.
    """

    def __init__(self, extractor: Extractor, transport: HttpTransport) -> None:
        self.extractor = extractor
        self.transport = transport
        self.builder: Any = (
            CompactRequests(extractor) if extractor.compact else RequestBuilder(extractor)
        )
        key = extractor.settings.api_key
        secrets = [key.get_secret_value()] if key else []
        self._redact = lambda text: redact(text, secrets)

    async def aextract(self, article: Article) -> ExtractionResult:
        """Extract one article, chunk by chunk as `Extractor.aextract` splits it.

        Raises `ExtractionError` when attempts run out, or (kind "input") when the
        article is over EXTRACTOR_MAX_ARTICLE_CHARS.
        """
        stats = begin_call()
        started = time.perf_counter()
        try:
            chunks = split_article(article, self.extractor.settings)
        except ArticleError as exc:
            raise ExtractionError(
                str(exc), kind="input", attempts=0, requests=0, usage=stats.usage
            ) from exc
        try:
            outcomes: list[list[Event] | Exception] = []
            for chunk in chunks:
                try:
                    outcomes.append(await self._events(chunk.article, stats))
                except InstructorRetryException as exhausted:
                    if not self.extractor.compact:
                        raise  # a JSON answer's chunk fails its article, as in `aextract`
                    outcomes.append(exhausted)
            answers = usable_chunks(chunks, outcomes)
            latency_s = time.perf_counter() - started
            return self.extractor._merged_result(article, chunks, answers, stats, latency_s)
        except ExtractionError:
            raise
        except Exception as exc:
            raise self.extractor._failure(exc, stats, self._redact) from exc

    async def _events(self, article: Article, stats: CallStats) -> list[Event]:
        """One chunk's events: its request, then re-asks until an answer is usable."""
        conversation = self.builder.start(article)
        for attempt in range(conversation.max_reasks + 1):
            completion = await self.transport.complete(conversation.body(), stats)
            try:
                answer = self.builder.parse(conversation, completion)
            except REASKED as error:
                if attempt == conversation.max_reasks:
                    raise retry_exhausted(error, stats.answers, stats.usage) from error
                self.builder.reask(conversation, completion, error)
                continue
            return list(answer.events)
        raise AssertionError("unreachable: the loop returns or raises")
