"""extractor: typed, source-grounded events from news articles."""

from extractor_schemas import Article, ExtractionResult

from .api import aextract, extract
from .articles import parse_article, read_article_file
from .config import Settings, load_settings
from .errors import (
    ArticleError,
    BackendUnavailable,
    ConfigError,
    ExtractionError,
    ExtractorError,
)
from .pipeline import Extractor

__all__ = [
    "Article",
    "ArticleError",
    "BackendUnavailable",
    "ConfigError",
    "ExtractionError",
    "ExtractionResult",
    "Extractor",
    "ExtractorError",
    "Settings",
    "aextract",
    "extract",
    "load_settings",
    "parse_article",
    "read_article_file",
]
