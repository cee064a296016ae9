"""The one conversation: an article's chunks, each asked until its answer is usable.

Sans-IO: it builds requests and reads completions, and never sends anything. A driver
loops `pending` -> send -> `receive` until `pending` is None, then takes `answers()`:

    conversation = Conversation(answer_format, chunks, max_reasks)
    while (exchange := conversation.pending()) is not None:
        conversation.receive(send(exchange))
    answers = conversation.answers()

Sync `Extractor.extract`, async `Extractor.aextract` and the batch engine are such
drivers, so they chunk, re-ask and fail alike. A chunk's answer that the format cannot
use (`reask_errors`) is re-asked with the reason, up to `max_reasks` times. When a
chunk's re-asks are spent, the format decides: its article fails
(`failed_chunk_fails_article`), or the chunk adds no events and the article fails only
if no chunk was usable. Transport retries happen below, in the driver's sender: rate
limits and server errors never reach a re-ask.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from extractor_schemas import Event

from ..formats.base import AnswerFormat, Exchange
from ..text.chunking import Chunk

log = logging.getLogger(__name__)

Completion = dict[str, Any]


class ReasksSpent(Exception):
    """Every answer for a chunk failed; `__cause__` is the last answer's error."""

    def __init__(self, error: Exception, attempts: int) -> None:
        super().__init__(str(error))
        self.attempts = attempts
        self.__cause__ = error


class Conversation:
    """One article's exchanges with the model, chunk by chunk."""

    def __init__(
        self, answer_format: AnswerFormat, chunks: Sequence[Chunk], max_reasks: int
    ) -> None:
        if not chunks:
            raise ValueError("an article has at least one chunk")
        self.format = answer_format
        self.chunks = list(chunks)
        self.max_reasks = max_reasks
        self._outcomes: list[list[Event] | ReasksSpent] = []
        self._attempt = 0
        self._exchange: Exchange | None = answer_format.start(self.chunks[0].article)

    def pending(self) -> Exchange | None:
        """The request to send next, or None when every chunk is settled."""
        return self._exchange

    def receive(self, completion: Completion) -> None:
        """Read the answer to `pending()`: settle its chunk, or queue a re-ask.

        Raises what makes the article fail now: a spent chunk of a format whose failed
        chunk fails the article (`ReasksSpent`), or an error the format does not re-ask
        (an answer cut off with nothing usable in it).
        """
        exchange = self._exchange
        if exchange is None:
            raise RuntimeError("the conversation is over: nothing was asked")
        try:
            events = self.format.parse(exchange, completion)
        except self.format.reask_errors as error:
            if self._attempt < self.max_reasks:
                self._attempt += 1
                self.format.reask(exchange, completion, error)
                return
            spent = ReasksSpent(error, self._attempt + 1)
            if self.format.failed_chunk_fails_article:
                self._exchange = None
                raise spent from error
            self._settle(spent)
            return
        self._settle(events)

    def _settle(self, outcome: list[Event] | ReasksSpent) -> None:
        self._outcomes.append(outcome)
        self._attempt = 0
        following = len(self._outcomes)
        self._exchange = (
            self.format.start(self.chunks[following].article)
            if following < len(self.chunks)
            else None
        )

    def answers(self) -> list[list[Event]]:
        """Every chunk's events; a spent chunk adds none (logged). Raises the first
        chunk's `ReasksSpent` when no chunk gave a usable answer."""
        if self._exchange is not None:
            raise RuntimeError("the conversation is not over: a request is pending")
        spent = [
            (chunk, outcome)
            for chunk, outcome in zip(self.chunks, self._outcomes, strict=True)
            if isinstance(outcome, ReasksSpent)
        ]
        if len(spent) == len(self._outcomes):
            raise spent[0][1]
        for chunk, error in spent:
            log.warning(
                "article %s: no usable answer, its events are left out: %s",
                chunk.article.id,
                str(error)[:300],
            )
        return [[] if isinstance(o, ReasksSpent) else o for o in self._outcomes]


def converse(
    conversation: Conversation, send: Callable[[Exchange], Completion]
) -> list[list[Event]]:
    """Drive a conversation with a blocking sender."""
    while (exchange := conversation.pending()) is not None:
        conversation.receive(send(exchange))
    return conversation.answers()


async def aconverse(
    conversation: Conversation, send: Callable[[Exchange], Awaitable[Completion]]
) -> list[list[Event]]:
    """Drive a conversation with an async sender."""
    while (exchange := conversation.pending()) is not None:
        conversation.receive(await send(exchange))
    return conversation.answers()
