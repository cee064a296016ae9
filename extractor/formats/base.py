"""What an answer format is: how to ask for one chunk's events, read the answer and re-ask.

Modelled on instructor's `ModeHandlers` (request handler, response parser, re-ask
handler). A format is chosen once from the settings (`extractor.formats.choose`); the
one conversation in `extractor.pipeline.conversation` drives any of them.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from extractor_schemas import Article, Event


@dataclass
class Exchange:
    """One chunk's request so far, and what its answers are read against.

    `kwargs` are the chat-completion arguments; `state` is the format's own (the
    response model, the grounding index, the numbered sentences). `tail`, when set,
    is the JSON of every member after "messages", prepared once per format, so a
    body costs one small `json.dumps` of the messages.
    """

    article: Article
    kwargs: dict[str, Any]
    state: Any = None
    tail: bytes | None = field(default=None, repr=False)

    def body(self) -> bytes:
        """The request body: JSON equal to what the openai SDK would send for `kwargs`."""
        if self.tail is None:
            return json.dumps(self.kwargs, ensure_ascii=False).encode()
        messages = json.dumps(self.kwargs["messages"], ensure_ascii=False).encode()
        return b'{"messages":' + messages + self.tail

    def follow_up(self, *messages: dict[str, Any]) -> None:
        """Append messages for a re-ask (the prepared tail no longer applies)."""
        self.kwargs = {**self.kwargs, "messages": [*self.kwargs["messages"], *messages]}
        self.tail = None


class AnswerFormat(ABC):
    """How one kind of answer is requested, read, grounded and re-asked."""

    name: ClassVar[str]
    # Errors that mean "this answer cannot be used; tell the model why and ask again".
    reask_errors: ClassVar[tuple[type[Exception], ...]]
    # Whether a chunk whose re-asks are spent fails its whole article.
    failed_chunk_fails_article: ClassVar[bool]
    # The most article tokens one request may carry (None: what the context allows).
    max_chunk_tokens: ClassVar[int | None] = None

    @property
    @abstractmethod
    def prompt_version(self) -> str:
        """The prompt template's version, as results and the cache record it."""

    @abstractmethod
    def messages(self, chunk: Article) -> list[dict[str, Any]]:
        """The chat messages that ask for one chunk's events."""

    @abstractmethod
    def start(self, chunk: Article) -> Exchange:
        """The first request for one chunk."""

    @abstractmethod
    def parse(self, exchange: Exchange, completion: dict[str, Any]) -> list[Event]:
        """The answer's validated, grounded events; raises a `reask_errors` error if unusable."""

    @abstractmethod
    def reask(self, exchange: Exchange, completion: dict[str, Any], error: Exception) -> None:
        """Add the failed answer and the reason to the exchange, for the next request."""

    def fingerprint(self) -> dict[str, Any]:
        """What else shapes this format's requests and answers (for the cache key)."""
        return {"format": self.name}
