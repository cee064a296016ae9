"""What one extraction call costs, gathered across retries and re-asks."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from extractor_schemas import Usage


@dataclass
class CallStats:
    requests: int = 0
    answers: int = 0
    transport_retries: int = 0
    usage: Usage = field(default_factory=Usage)
    last_completion: Any = None

    def record_answer(self, completion: Any) -> None:
        self.answers += 1
        self.last_completion = completion
        usage = getattr(completion, "usage", None)
        if usage is not None:
            self.usage = self.usage + Usage(
                prompt_tokens=usage.prompt_tokens or 0,
                completion_tokens=usage.completion_tokens or 0,
                total_tokens=usage.total_tokens or 0,
            )


_current: ContextVar[CallStats | None] = ContextVar("extractor_call_stats", default=None)


def current_stats() -> CallStats:
    """The stats of the call in progress (a throwaway one outside any call)."""
    stats = _current.get()
    return stats if stats is not None else CallStats()


def begin_call() -> CallStats:
    stats = CallStats()
    _current.set(stats)
    return stats
