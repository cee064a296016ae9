"""The compact answer format, for the tuned embedded model: numbered sentences in, short
lines out (`extractor.formats.compact.codec`).

instructor cannot parse this format, so the format does it, to the same contract:
every event is decoded, validated against its schema and grounded in the article.
Each event is judged on its own: one that fails (a small model sometimes adds an event
citing a sentence the article does not have) is dropped and logged, and the others are
kept. An answer with no usable event but some failed ones is re-asked with the reasons.
An answer cut off at the token limit (a small model's loop) keeps the events written
before its last, unfinished one. A chunk whose re-asks are spent adds no events; the
article fails only when no chunk was usable.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, ClassVar

from extractor_prompts import PromptTemplate, load_template
from extractor_schemas import Article, Event
from instructor.core.exceptions import IncompleteOutputException

from ...checks.anchoring import reanchor
from ...checks.grounding import ArticleIndex
from ...config import Settings
from ...text.sentences import Sentence, split_sentences
from ..base import AnswerFormat, Exchange
from .codec import CompactFormatError, decode_each, speaks_compact, without_last_event
from .prompt import COMPACT_TEMPLATE, compact_view

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Reading:
    """What one chunk's answers are read against."""

    index: ArticleIndex
    sentences: list[Sentence]


class NotCompactError(ValueError):
    """The model does not write the compact format at all: re-asking will not help."""


def answer_text(completion: dict[str, Any]) -> tuple[str, str | None]:
    """The answer's text and finish reason."""
    choice = completion["choices"][0]
    return choice["message"].get("content") or "", choice.get("finish_reason")


def reask_text(error: Exception) -> str:
    return (
        f"That answer cannot be used: {str(error)[:600]}\n"
        "Write the events again in the compact format."
    )


class CompactFormat(AnswerFormat):
    """Compact lines, read and grounded here; re-asked with the reasons."""

    name: ClassVar[str] = "compact"
    reask_errors: ClassVar[tuple[type[Exception], ...]] = (CompactFormatError,)
    failed_chunk_fails_article: ClassVar[bool] = False
    # About 2,400 characters: 12 of the 349 training articles are longer. At 4,000 (the
    # longest ones) the shipped adapter answered `none` to every chunk of a 22,700-character seed.
    max_chunk_tokens: ClassVar[int | None] = 600

    def __init__(
        self, settings: Settings, model: str, template: PromptTemplate | None = None
    ) -> None:
        self.settings = settings
        self.template = template or load_template(COMPACT_TEMPLATE)
        self._fixed = {
            "model": model,
            "temperature": settings.temperature,
            "max_tokens": settings.answer_max_tokens,
        }
        self._tail = b"," + json.dumps(self._fixed, ensure_ascii=False).encode()[1:]

    @property
    def prompt_version(self) -> str:
        return self.template.version

    def messages(
        self, chunk: Article, sentences: list[Sentence] | None = None
    ) -> list[dict[str, Any]]:
        return self.template.render(compact_view(chunk, sentences), []).as_openai()

    def start(self, chunk: Article) -> Exchange:
        sentences = split_sentences(chunk)
        messages = self.messages(chunk, sentences)
        index = ArticleIndex(chunk.text, chunk.body_start, self.settings.name_match_threshold)
        return Exchange(
            article=chunk,
            kwargs={"messages": messages, **self._fixed},
            state=_Reading(index, sentences),
            tail=self._tail,
        )

    def parse(self, exchange: Exchange, completion: dict[str, Any]) -> list[Event]:
        reading: _Reading = exchange.state
        article = exchange.article
        text, finish_reason = answer_text(completion)
        if finish_reason == "length":
            if not speaks_compact(text):
                raise NotCompactError(
                    "the model's answer is not in the compact format (it ran to "
                    f"EXTRACTOR_MAX_TOKENS, {self.settings.answer_max_tokens}, without one event "
                    "header): the tuned embedded adapter writes this format; for another model "
                    "set EXTRACTOR_ANSWER_FORMAT=json"
                )
            text = without_last_event(text)
            if not text.strip():
                raise IncompleteOutputException(last_completion=completion)
            log.warning(
                "article %s: the answer was cut off at the token limit; reading the events "
                "before its last one",
                article.id,
            )
        kept: list[Event] = []
        dropped: list[str] = []
        for outcome in decode_each(text, article, reading.sentences):
            if isinstance(outcome, CompactFormatError):
                dropped.append(str(outcome))
                continue
            outcome = reanchor(outcome, article, reading.sentences)
            problems = reading.index.problems([outcome])
            if problems:
                dropped.append(f"{outcome.type} event: " + " ".join(problems))
            else:
                kept.append(outcome)
        if dropped and not kept:
            raise CompactFormatError("; ".join(dropped))
        if dropped:
            log.warning(
                "article %s: dropped %d of %d events that failed validation or grounding: %s",
                article.id,
                len(dropped),
                len(dropped) + len(kept),
                "; ".join(dropped)[:300],
            )
        return kept

    def reask(self, exchange: Exchange, completion: dict[str, Any], error: Exception) -> None:
        text, _ = answer_text(completion)
        exchange.follow_up(
            {"role": "assistant", "content": text},
            {"role": "user", "content": reask_text(error)},
        )
