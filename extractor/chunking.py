"""Long articles: overlapping chunks that fit the model's context, and merging their events.

Sizes are approximate tokens: ASCII text counts 4 characters a token (measured with
Gemma 3's tokenizer: 4.4 for English news), every other character one token (measured:
Cyrillic 3.6, Arabic 2.6, Chinese 1.3 characters a token), so the estimate errs toward
smaller chunks. Chunks are runs of whole sentences; each repeats the last sentences of
the one before (the overlap), so an event near a boundary is read whole with its context.
An event that two neighbouring chunks both report (same type, overlapping evidence) is
merged into one. Evidence offsets are shifted into the coordinates of the whole article.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from extractor_schemas import Article, Event, Span, event_adapter

from .config import Settings
from .errors import ArticleError

PROMPT_RESERVE_TOKENS = 2048  # system prompt, few-shot example and tool schema
MIN_CHUNK_TOKENS = 256
# About 2,400 characters: 12 of the 349 training articles are longer. At 4,000 (the longest ones)
# the shipped adapter answered `none` to every chunk of a 22,700-character seed.
COMPACT_CHUNK_TOKENS = 600
CHARS_PER_ASCII_TOKEN = 4
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+|\n\s*")
_LIST_FIELDS = ("topics", "areas")


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


def chunk_budget(settings: Settings) -> tuple[int, int]:
    """(tokens per chunk, overlap tokens) from the settings.

    Default chunk: the embedded server's context (EXTRACTOR_EMBEDDED_CTX) less the answer
    (EXTRACTOR_MAX_TOKENS) and a reserve for the prompt around the article; for the tuned
    model's compact answers, at most what it saw in training.
    """
    derived = settings.embedded_ctx - settings.answer_max_tokens - PROMPT_RESERVE_TOKENS
    if settings.uses_compact:
        derived = min(derived, COMPACT_CHUNK_TOKENS)
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


def split_article(article: Article, settings: Settings) -> list[Chunk]:
    """The article itself when it fits one chunk, else overlapping slices of its body."""
    check_size(article, settings)
    tokens, overlap = chunk_budget(settings)
    if approx_tokens(article.body) <= tokens:
        return [Chunk(0, len(article.text), article)]
    pieces = _pieces(article.text, article.body_start, tokens)
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


def _pieces(text: str, start: int, tokens: int) -> list[tuple[int, int]]:
    """Sentences (with their trailing space) from `start`; overlong ones cut at spaces."""
    pieces: list[tuple[int, int]] = []
    begin = start
    for match in _SENTENCE_END.finditer(text, start):
        pieces += _cut(text, begin, match.end(), tokens)
        begin = match.end()
    if begin < len(text):
        pieces += _cut(text, begin, len(text), tokens)
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


def merge_events(chunks: Sequence[Chunk], answers: Sequence[Sequence[Event]]) -> list[Event]:
    """All chunks' events in whole-article offsets, overlap duplicates merged into one."""
    merged: list[Event] = []
    seen_in: list[int] = []  # the last chunk that reported each merged event
    for index, (chunk, events) in enumerate(zip(chunks, answers, strict=True)):
        for event in events:
            placed = _shifted(event, chunk.start)
            twin = next(
                (
                    k
                    for k, other in enumerate(merged)
                    if seen_in[k] == index - 1 and _same_event(other, placed)
                ),
                None,
            )
            if twin is None:
                merged.append(placed)
                seen_in.append(index)
            else:
                merged[twin] = _combined(merged[twin], placed)
                seen_in[twin] = index
    return merged


def _shifted(event: Event, offset: int) -> Event:
    span = event.evidence_span
    if span is None or offset == 0:
        return event
    return event.model_copy(
        update={"evidence_span": Span(start=span.start + offset, end=span.end + offset)}
    )


def _same_event(one: Event, other: Event) -> bool:
    a, b = one.evidence_span, other.evidence_span
    return (
        one.type == other.type
        and a is not None
        and b is not None
        and (a.start < b.end and b.start < a.end)
    )


def _combined(one: Event, other: Event) -> Event:
    """One event from two reports of it: the longer evidence, every name, no lost field."""
    keep, extra = (one, other) if len(one.evidence) >= len(other.evidence) else (other, one)
    data: dict[str, Any] = keep.model_dump()
    more: dict[str, Any] = extra.model_dump()
    for key, value in data.items():
        if value is None and more.get(key) is not None:
            data[key] = more[key]
    names = {p["name"].casefold() for p in data["participants"]}
    data["participants"] += [p for p in more["participants"] if p["name"].casefold() not in names]
    for key in _LIST_FIELDS:
        if key in data:
            data[key] += [item for item in more[key] if item not in data[key]]
    return event_adapter.validate_python(data)
