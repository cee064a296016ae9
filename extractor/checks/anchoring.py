"""Evidence re-anchoring: an event that cites a sentence is moved to the nearby sentence
that states it.

A small model numbers sentences loosely: on the seeds, 49 of 139 matched events cited
the labeled sentence and 30 the one just before or after. The evidence is what a user
checks an event against, and the date check reads it, so a wrong sentence also costs a
wrong date. An event whose evidence is one whole sentence moves to the sentence within
`NEAR` of it that states more of the event (`support`); on a tie it stays.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractor_schemas import Article, Event, Span, slot

from ..text.sentences import Sentence
from .grounding import ArticleIndex, stated_numbers

# Bump extractor.versions.ANCHORING when a rule changes which sentence an event cites.
NEAR = 3  # sentences before and after the cited one
# Weights picked on the training gold: a labeled sentence is kept 82% of the time, and
# one cited a sentence off (-1, +1, +2) is mended 81% of the time.
OWN_WEIGHT = 2.0  # a facility, project, subject, topic or figure of the event
NAME_WEIGHT = 0.5  # a participant or the location
_TEXT_FIELDS = ("facility", "project", "investor", "target", "subject")
_LIST_FIELDS = ("topics", "areas")
# Words that state a happening of each kind; a milestone's by its stage.
_KIND_WORDS = {
    "meeting": r"\b(?:met|meet|meets|meeting|talks|visit\w*|call|conversation|hosted|received)\b",
    "agreement": r"\b(?:sign\w*|agreement|memorandum|contract|deal|accord|protocol|declaration)\b",
    "capacity_change": r"\b(?:capacity|expan\w+|rais\w+|increas\w+|lift\w*|boost\w*)\b",
    "investment": r"\b(?:invest\w*|loan|lent|financ\w+|fund\w*|stake|disburs\w+|credit)\b",
    "cooperation_intent": r"\b(?:cooperat\w+|explore|interest\w*|propos\w+|joint\w*|consider)\b",
    "announced": r"\b(?:announc\w+|unveil\w*|launch\w*|plan\w*)\b",
    "construction_start": r"\b(?:construction|build\w*|break\w* ground|groundbreaking|start\w*)\b",
    "completion": r"\b(?:complet\w+|finish\w*|built)\b",
    "commissioning": r"\b(?:commission\w*|inaugurat\w+|opened|began operation|start\w* up)\b",
    "delay": r"\b(?:delay\w*|postpon\w+|pushed back|push\w* back|slipp\w+)\b",
    "other": r"\b(?:cancel\w*|suspend\w*|halt\w*|scrap\w*|abandon\w*)\b",
}
_KIND_PATTERNS = {kind: re.compile(words, re.IGNORECASE) for kind, words in _KIND_WORDS.items()}


def support(event: Event, sentence: str) -> float:
    """How much of the event `sentence` states: its own fields and figures count most,
    names (often repeated across an article) least."""
    index = ArticleIndex(sentence)

    def stated(texts: list[str]) -> int:
        return sum(index.has_name(text) for text in texts if text.strip())

    names = [participant.name for participant in event.participants]
    own = [value for field in _TEXT_FIELDS if (value := slot(event, field))]
    for field in _LIST_FIELDS:
        own += slot(event, field) or []
    figures = sum(index.has_number(number) for _, number in stated_numbers(event))
    kind = slot(event, "milestone") or event.type
    return (
        OWN_WEIGHT * (stated(own) + figures)
        + NAME_WEIGHT * (stated(names) + stated([event.location or ""]))
        + bool(_KIND_PATTERNS[kind].search(sentence))
    )


def reanchor(event: Event, article: Article, sentences: Sequence[Sentence]) -> Event:
    """`event`, citing the nearby sentence that states it best (itself, if none does better)."""
    span = event.evidence_span
    if span is None:
        return event
    cited = next((s for s in sentences if (s.start, s.end) == (span.start, span.end)), None)
    if cited is None:  # a clause or several sentences: the model chose it exactly
        return event
    text = article.text
    window = [s for s in sentences if abs(s.number - cited.number) <= NEAR and s is not cited]
    best, best_support = cited, support(event, text[cited.start : cited.end])
    for candidate in sorted(window, key=lambda s: abs(s.number - cited.number)):
        found = support(event, text[candidate.start : candidate.end])
        if found > best_support:
            best, best_support = candidate, found
    if best is cited:
        return event
    moved = event.model_copy(update={"evidence": text[best.start : best.end]})
    moved.evidence_span = Span(start=best.start, end=best.end)
    return moved
