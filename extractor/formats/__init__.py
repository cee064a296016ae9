"""Answer formats: how a chunk's events are asked for, read, grounded and re-asked.

- `json`: schema-constrained JSON through instructor's handlers, for any model;
- `compact`: short lines over numbered sentences, for the tuned embedded model.

`choose` picks one from the settings, once.
"""

from __future__ import annotations

from extractor_prompts import FewShotExample, PromptTemplate

from ..config import Settings
from .base import AnswerFormat, Exchange
from .compact.format import CompactFormat
from .json.format import JsonFormat

__all__ = ["AnswerFormat", "CompactFormat", "Exchange", "JsonFormat", "choose"]


def choose(
    settings: Settings,
    model: str,
    *,
    template: PromptTemplate | None = None,
    examples: list[FewShotExample] | None = None,
) -> AnswerFormat:
    """The answer format the settings ask for (EXTRACTOR_ANSWER_FORMAT; auto: compact with
    the tuned adapter, JSON otherwise)."""
    if settings.uses_compact:
        return CompactFormat(settings, model, template)
    return JsonFormat(settings, model, template, examples)
