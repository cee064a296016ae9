"""Asking a model for a compact answer: the request, reading the answer, and re-asks.

The tuned embedded model writes the compact format (`extractor.compact`), not JSON, so
instructor cannot parse it. The contract stays the same: every event is decoded,
validated against its schema and grounded in the article. Each event is judged on its
own: one that fails (a small model sometimes adds an event citing a sentence the article
does not have) is dropped and logged, and the others are kept. An answer with no usable
event but some failed ones is re-asked with the reasons, up to `EXTRACTOR_MAX_REASKS`
times. An answer cut off at the token limit (a small model's loop) keeps the events
written before its last, unfinished one. A chunk of a split article whose re-asks are
spent adds no events, and the article fails only when no chunk was usable. Transport
retries happen below, in the client; rate limits and server errors never reach a re-ask.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from extractor_schemas import Article, Event
from instructor.core.exceptions import IncompleteOutputException

from .anchoring import reanchor
from .chunking import Chunk
from .compact import CompactFormatError, decode_each, without_last_event
from .grounding import ArticleIndex
from .response import ArticleEvents
from .sentences import Sentence, split_sentences

if TYPE_CHECKING:
    from .pipeline import Extractor

log = logging.getLogger(__name__)
REASK_ERRORS: tuple[type[Exception], ...] = (CompactFormatError,)


@dataclass
class CompactConversation:
    """One article's exchange: the request so far and the index its answers are grounded in."""

    kwargs: dict[str, Any]
    article: Article
    index: ArticleIndex
    sentences: list[Sentence]
    max_reasks: int

    def body(self) -> bytes:
        return json.dumps(self.kwargs, ensure_ascii=False).encode()


def _answer(completion: dict[str, Any]) -> tuple[str, str | None]:
    choice = completion["choices"][0]
    return choice["message"].get("content") or "", choice.get("finish_reason")


def reask_text(error: Exception) -> str:
    return (
        f"That answer cannot be used: {str(error)[:600]}\n"
        "Write the events again in the compact format."
    )


class CompactRequests:
    """Builds, reads and re-asks compact-format requests for one extractor."""

    reask_errors = REASK_ERRORS

    def __init__(self, extractor: Extractor) -> None:
        self.extractor = extractor

    def start(self, article: Article) -> CompactConversation:
        return CompactConversation(
            kwargs=self.extractor.prepare(article),
            article=article,
            index=self.extractor.article_index(article),
            sentences=split_sentences(article),
            max_reasks=self.extractor.settings.max_reasks,
        )

    def parse(self, conversation: CompactConversation, completion: dict[str, Any]) -> ArticleEvents:
        """The answer's valid, grounded events; raises a `REASK_ERRORS` error if none is usable."""
        text, finish_reason = _answer(completion)
        if finish_reason == "length":
            text = without_last_event(text)
            if not text.strip():
                raise IncompleteOutputException(last_completion=completion)
            log.warning(
                "article %s: the answer was cut off at the token limit; reading the events "
                "before its last one",
                conversation.article.id,
            )
        kept: list[Event] = []
        dropped: list[str] = []
        for outcome in decode_each(text, conversation.article, conversation.sentences):
            if isinstance(outcome, CompactFormatError):
                dropped.append(str(outcome))
                continue
            outcome = reanchor(outcome, conversation.article, conversation.sentences)
            problems = conversation.index.problems([outcome])
            if problems:
                dropped.append(f"{outcome.type} event: " + " ".join(problems))
            else:
                kept.append(outcome)
        if dropped and not kept:
            raise CompactFormatError("; ".join(dropped))
        if dropped:
            log.warning(
                "article %s: dropped %d of %d events that failed validation or grounding: %s",
                conversation.article.id,
                len(dropped),
                len(dropped) + len(kept),
                "; ".join(dropped)[:300],
            )
        # Every kept event passed its schema (decode) and the grounding checks above.
        return ArticleEvents.model_construct(events=kept)

    def reask(
        self, conversation: CompactConversation, completion: dict[str, Any], error: Exception
    ) -> None:
        text, _ = _answer(completion)
        conversation.kwargs = {
            **conversation.kwargs,
            "messages": [
                *conversation.kwargs["messages"],
                {"role": "assistant", "content": text},
                {"role": "user", "content": reask_text(error)},
            ],
        }

    def settle(
        self, conversation: CompactConversation, completion: dict[str, Any], attempt: int
    ) -> list[Event] | None:
        """The answer's events, or None after a re-ask was queued; raises when re-asks are spent."""
        try:
            return self.parse(conversation, completion).events
        except REASK_ERRORS as error:
            if attempt == conversation.max_reasks:
                raise
            self.reask(conversation, completion, error)
            return None

    def ask(self, send: Callable[..., Any], article: Article) -> list[Event]:
        """The article's events, through `send` (a chat-completion call with transport retries)."""
        conversation = self.start(article)
        for attempt in range(conversation.max_reasks + 1):
            events = self.settle(conversation, send(**conversation.kwargs).model_dump(), attempt)
            if events is not None:
                return events
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def aask(self, send: Callable[..., Awaitable[Any]], article: Article) -> list[Event]:
        conversation = self.start(article)
        for attempt in range(conversation.max_reasks + 1):
            completion = (await send(**conversation.kwargs)).model_dump()
            events = self.settle(conversation, completion, attempt)
            if events is not None:
                return events
        raise AssertionError("unreachable: the last attempt returns or raises")

    def ask_chunks(self, send: Callable[..., Any], chunks: Sequence[Chunk]) -> list[list[Event]]:
        """Every chunk's events (see `usable_chunks`)."""
        outcomes: list[list[Event] | Exception] = []
        for chunk in chunks:
            try:
                outcomes.append(self.ask(send, chunk.article))
            except REASK_ERRORS as error:
                outcomes.append(error)
        return usable_chunks(chunks, outcomes)

    async def aask_chunks(
        self, send: Callable[..., Awaitable[Any]], chunks: Sequence[Chunk]
    ) -> list[list[Event]]:
        outcomes: list[list[Event] | Exception] = []
        for chunk in chunks:
            try:
                outcomes.append(await self.aask(send, chunk.article))
            except REASK_ERRORS as error:
                outcomes.append(error)
        return usable_chunks(chunks, outcomes)


def usable_chunks(
    chunks: Sequence[Chunk], outcomes: Sequence[list[Event] | Exception]
) -> list[list[Event]]:
    """The chunks' events; a chunk whose re-asks were spent adds none (logged). Raises the
    first chunk's error when no chunk gave a usable answer."""
    errors = [
        (chunk, o) for chunk, o in zip(chunks, outcomes, strict=True) if isinstance(o, Exception)
    ]
    if len(errors) == len(outcomes):
        raise errors[0][1]
    for chunk, error in errors:
        log.warning(
            "article %s: no usable answer, its events are left out: %s",
            chunk.article.id,
            str(error)[:300],
        )
    return [[] if isinstance(o, Exception) else o for o in outcomes]
