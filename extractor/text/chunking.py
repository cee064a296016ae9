"""Long articles: overlapping chunks that fit the model's context, and merging their
events.

Sizes are approximate tokens: ASCII text counts 4 characters a token (measured with
Gemma 3's tokenizer: 4.4 for English news), every other character one token (measured:
Cyrillic 3.6, Arabic 2.6, Chinese 1.3 characters a token), so the estimate errs toward
smaller chunks. Chunks are runs of whole sentences (`extractor.text.sentences`); each
repeats the last sentences of the one before (the overlap), so an event near a boundary
is read whole with its context. `extractor.checks.merge` joins the chunks' events again.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from extractor_schemas import Article

from ..config import Settings
from ..errors import ArticleError
from .sentences import split_sentences

PROMPT_RESERVE_TOKENS = 2048  # system prompt, few-shot example and tool schema
MIN_CHUNK_TOKENS = 256
CHARS_PER_ASCII_TOKEN = 4


@dataclass(frozen=True)
class Chunk:
    """`[start, end)` of the whole article's text, and the article to send for it."""

    start: int
    end: int
    article: Article


def approx_tokens(text: str) -> int:
    """Tokens `text` takes, estimated on the safe side (see the module doc)."""
    ascii_chars = len(text.encode("ascii", "ignore"))
    return -(-ascii_chars // CHARS_PER_ASCII_TOKEN) + (len(text) - ascii_chars)


def chunk_budget(settings: Settings, format_limit: int | None = None) -> tuple[int, int]:
    """(tokens per chunk, overlap tokens) from the settings.

    Default chunk: the embedded server's context (EXTRACTOR_EMBEDDED_CTX) less the answer
    (EXTRACTOR_MAX_TOKENS) and a reserve for the prompt around the article, and at most
    `format_limit` (what the answer format's model saw in training, if it says).
    """
    derived = settings.embedded_ctx - settings.answer_max_tokens - PROMPT_RESERVE_TOKENS
    if format_limit is not None:
        derived = min(derived, format_limit)
    tokens = settings.chunk_tokens or max(derived, MIN_CHUNK_TOKENS)
    return tokens, min(settings.chunk_overlap_tokens, tokens // 4)


def check_size(article: Article, settings: Settings) -> None:
    """Refuse an article longer than EXTRACTOR_MAX_ARTICLE_CHARS, before any request."""
    if len(article.text) > settings.max_article_chars:
        raise ArticleError(
            f"article {article.id!r} has {len(article.text):,} characters, more than "
            f"EXTRACTOR_MAX_ARTICLE_CHARS ({settings.max_article_chars:,}): "
            "split it, or raise the limit"
        )


def split_article(
    article: Article, settings: Settings, format_limit: int | None = None
) -> list[Chunk]:
    """The article itself when it fits one chunk, else overlapping slices of its body."""
    check_size(article, settings)
    tokens, overlap = chunk_budget(settings, format_limit)
    if approx_tokens(article.body) <= tokens:
        return [Chunk(0, len(article.text), article)]
    pieces = _pieces(article, tokens)
    spans = _group(pieces, [approx_tokens(article.text[a:b]) for a, b in pieces], tokens, overlap)
    spans = [(a, a + len(article.text[a:b].rstrip())) for a, b in spans]
    count = len(spans)
    return [
        Chunk(
            start,
            end,
            Article(
                id=f"{article.id}#{number}/{count}",
                text=article.text[start:end],
                published=article.published,
            ),
        )
        for number, (start, end) in enumerate(spans, 1)
    ]


def _pieces(article: Article, tokens: int) -> list[tuple[int, int]]:
    """The body's sentences with their trailing space; overlong ones cut at spaces."""
    text = article.text
    starts = [sentence.start for sentence in split_sentences(article)]
    bounds = [article.body_start, *starts[1:], len(text)]
    pieces: list[tuple[int, int]] = []
    for begin, end in itertools.pairwise(bounds):
        pieces += _cut(text, begin, end, tokens)
    return pieces


def _cut(text: str, start: int, end: int, tokens: int) -> list[tuple[int, int]]:
    """`[start, end)` as pieces of at most `tokens`, cut at the last space that allows it."""
    pieces: list[tuple[int, int]] = []
    while approx_tokens(text[start:end]) > tokens:
        limit = start + tokens  # `tokens` characters never exceed `tokens` tokens
        ascii_limit = start + tokens * CHARS_PER_ASCII_TOKEN
        while ascii_limit > limit and approx_tokens(text[start:ascii_limit]) > tokens:
            ascii_limit = (ascii_limit + limit) // 2
        limit = max(limit, ascii_limit)
        space = text.rfind(" ", start + 1, limit)
        cut = space + 1 if space > start + (limit - start) // 2 else limit
        pieces.append((start, cut))
        start = cut
    if start < end:
        pieces.append((start, end))
    return pieces


def _group(
    pieces: Sequence[tuple[int, int]], weights: Sequence[int], tokens: int, overlap: int
) -> list[tuple[int, int]]:
    """Runs of pieces of at most `tokens`; each run repeats up to `overlap` of the last."""
    spans: list[tuple[int, int]] = []
    first = 0
    while first < len(pieces):
        last, total = first, 0
        while last < len(pieces) and total + weights[last] <= tokens:
            total += weights[last]
            last += 1
        start, end = pieces[first][0], pieces[last - 1][1]
        spans.append((start, end))
        if last == len(pieces):
            break
        following, repeated = last, 0
        while following - 1 > first and repeated + weights[following - 1] <= overlap:
            following -= 1
            repeated += weights[following]
        first = following
    return spans
