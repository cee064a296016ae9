"""Read articles: the ` date YYYY-MM-DD` prefix, files and ids."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from extractor_schemas import Article

from .errors import ArticleError

# ` date 2024-08-22 As part of ...` or `date 2024-08-22\nBody...` (after a BOM, if any). Only a
# value that starts with a digit is a date prefix: "date night was ..." is an ordinary body.
_DATE_PREFIX = re.compile(r"\A\ufeff? ?date (?P<value>\d\S*)(?:[ \t]*\r?\n|[ \t]+|\Z)")
_ISO_DAY = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")
# Characters text does not contain: C0 controls other than tab, line feed, vertical tab,
# form feed and carriage return; DEL; and U+FFFD, which a lossy decoder leaves for bad bytes.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")
_NOT_TEXT_SHARE = 0.01
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_WORD_CHAR = re.compile(r"\w")


def parse_article(text: str, article_id: str, published: date | str | None = None) -> Article:
    """Split the optional date prefix from the body; offsets stay those of `text`.

    An explicit `published` wins over the prefix. A prefix that is present but
    not a real `YYYY-MM-DD` day is an error, not silently part of the body.
    """
    if not text.strip():
        raise ArticleError(f"article {article_id!r} is empty")
    check_text(text, article_id)
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


def checked_article(article: Article) -> Article:
    """An Article built elsewhere (not by `parse_article`), held to the same checks."""
    if not article.body.strip():
        raise ArticleError(f"article {article.id!r} is empty")
    check_text(article.text, article.id)
    return article


def check_text(text: str, article_id: str) -> None:
    """Refuse what is not text: NUL and other control bytes, lone surrogates, no words."""
    if (nul := text.find("\x00")) >= 0:
        raise ArticleError(
            f"article {article_id!r} contains a NUL character at offset {nul}: "
            "binary data, not text"
        )
    if (surrogate := _SURROGATE.search(text)) is not None:
        raise ArticleError(
            f"article {article_id!r} contains a lone surrogate at offset {surrogate.start()}: "
            "not valid Unicode text"
        )
    odd = len(_NOT_TEXT.findall(text))
    if odd > _NOT_TEXT_SHARE * len(text):
        raise ArticleError(
            f"article {article_id!r}: {odd} of {len(text)} characters are control characters "
            "or U+FFFD: binary data, not text"
        )
    if _WORD_CHAR.search(text) is None:
        raise ArticleError(f"article {article_id!r} has no letters or digits")


def decode_article(data: bytes, source: str) -> str:
    """Bytes as UTF-8 text, or an ArticleError naming the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"{source}: not UTF-8 text (byte {exc.start})") from None


def read_article_file(path: Path) -> Article:
    """An article file: UTF-8 text whose id is the file name without extension."""
    return parse_article(decode_article(path.read_bytes(), str(path)), article_id=path.stem)
