"""The functions other services import: `extract` and `aextract`."""

from __future__ import annotations

import threading
from datetime import date

from extractor_schemas import ExtractionResult

from .pipeline import ArticleInput, Extractor

_default: Extractor | None = None
_lock = threading.Lock()


def default_extractor() -> Extractor:
    """One shared extractor configured from the environment, created on first use."""
    global _default
    with _lock:
        if _default is None:
            _default = Extractor()
        return _default


def extract(
    article: ArticleInput, *, article_id: str | None = None, published: date | str | None = None
) -> ExtractionResult:
    """Extract the events of one article (text with optional date prefix, or an Article)."""
    return default_extractor().extract(article, article_id=article_id, published=published)


async def aextract(
    article: ArticleInput, *, article_id: str | None = None, published: date | str | None = None
) -> ExtractionResult:
    """Async `extract`, for callers that run an event loop."""
    return await default_extractor().aextract(article, article_id=article_id, published=published)
