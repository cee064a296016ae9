"""The pipeline: one article's chunks through one conversation, to a result or an error."""

from .conversation import Conversation, ReasksSpent, aconverse, converse
from .extractor import ArticleInput, Extractor, to_article
from .outcome import Labels, build_failure, build_result

__all__ = [
    "ArticleInput",
    "Conversation",
    "Extractor",
    "Labels",
    "ReasksSpent",
    "aconverse",
    "build_failure",
    "build_result",
    "converse",
    "to_article",
]
