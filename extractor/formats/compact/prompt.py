"""The prompt of a model that answers in the compact format: numbered sentences."""

from __future__ import annotations

from extractor_prompts import Messages, load_template
from extractor_schemas import Article

from ...text.sentences import Sentence, numbered_body

COMPACT_TEMPLATE = "compact"


def compact_view(article: Article, sentences: list[Sentence] | None = None) -> Article:
    """The article as the compact prompt shows it: one `[n] sentence` line per sentence."""
    text = numbered_body(article, sentences)
    return Article(id=article.id, text=text, published=article.published)


def compact_messages(article: Article) -> Messages:
    """System and user messages asking for the article's events in the compact format."""
    return load_template(COMPACT_TEMPLATE).render(compact_view(article), [])


def compact_prompt_version() -> str:
    return load_template(COMPACT_TEMPLATE).version
