"""Read articles: the ` date YYYY-MM-DD` prefix, files and ids."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from extractor_schemas import Article

from .errors import ArticleError

# ` date 2024-08-22 As part of ...` or `date 2024-08-22\nBody...`
_DATE_PREFIX = re.compile(r"\A ?date (?P<value>\S+)(?:[ \t]*\r?\n|[ \t]+|\Z)")
_ISO_DAY = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")


def parse_article(text: str, article_id: str, published: date | str | None = None) -> Article:
    """Split the optional date prefix from the body; offsets stay those of `text`.

    An explicit `published` wins over the prefix. A prefix that is present but
    not a real `YYYY-MM-DD` day is an error, not silently part of the body.
    """
    if not text.strip():
        raise ArticleError(f"article {article_id!r} is empty")
    body_start = 0
    prefix_date: date | None = None
    match = _DATE_PREFIX.match(text)
    if match:
        value = match.group("value")
        if not _ISO_DAY.match(value):
            raise ArticleError(f"article {article_id!r}: date prefix {value!r} is not YYYY-MM-DD")
        try:
            prefix_date = date.fromisoformat(value)
        except ValueError as exc:
            raise ArticleError(f"article {article_id!r}: date prefix {value!r}: {exc}") from None
        body_start = match.end()
    if isinstance(published, str):
        try:
            published = date.fromisoformat(published)
        except ValueError:
            raise ArticleError(
                f"article {article_id!r}: published {published!r} is not YYYY-MM-DD"
            ) from None
    if not text[body_start:].strip():
        raise ArticleError(f"article {article_id!r} has a date prefix but no body")
    return Article(
        id=article_id, text=text, published=published or prefix_date, body_start=body_start
    )


def read_article_file(path: Path) -> Article:
    """An article file: UTF-8 text whose id is the file name without extension."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    return parse_article(text, article_id=path.stem)
