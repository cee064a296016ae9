"""The batch engine's driver: the pipeline's one conversation over a shared HTTP session."""

from __future__ import annotations

from extractor_schemas import Article, ExtractionResult

from ..formats import Exchange
from ..llm.stats import CallStats
from ..pipeline import Extractor
from ..pipeline.conversation import Completion
from .transport import HttpTransport


class BatchDriver:
    """`Extractor.aextract` for many concurrent articles on one aiohttp session.

    The same chunks, request bodies, parsing, grounding, re-asks and results as
    `Extractor.aextract` (it is the same conversation); only the sender differs: a
    prepared body posted through the batch's connection pool and rate limits, under
    the project's one transport retry policy.
    """

    def __init__(self, extractor: Extractor, transport: HttpTransport) -> None:
        self.extractor = extractor
        self.transport = transport

    async def aextract(self, article: Article) -> ExtractionResult:
        """Extract one article. Raises ArticleError (over the size limit, nothing sent) or
        ExtractionError (attempts spent), as `Extractor.aextract` does."""
        chunks = self.extractor.chunks(article)
        stats = CallStats()

        async def send(exchange: Exchange) -> Completion:
            return await self.transport.complete(exchange.body(), stats)

        return await self.extractor.aextract_with(article, chunks, send, stats)
