"""Events a model wrote twice: dropped, the first one kept.

Two kinds of repeat:
- a loop: the same type, evidence span, participants and type-specific fields (a small
  model sometimes writes an event again and again); a sentence may still state two
  events of one type, such as a project's delay and its cancellation;
- the same happening told twice, from two sentences: the same type, participants,
  status and date, and the same facility or project, stage, figures, and kind and
  subject of agreement. Of the 2,042 hand-labeled events of `training/articles/` and `seeds/`,
  this merges one pair (two intents of the same parties in other areas).
"""

from __future__ import annotations

from collections.abc import Hashable

from extractor_schemas import Event, slot

_COMMON_FIELDS = {"status", "date", "location", "participants", "evidence", "evidence_span"}
_WHAT_FIELDS = (
    "facility",
    "project",
    "milestone",
    "from_value",
    "to_value",
    "agreement_kind",
    "subject",
)


def _loop_key(event: Event, names: frozenset[str]) -> Hashable:
    span = event.evidence_span
    where = (span.start, span.end) if span is not None else event.evidence
    return ("loop", event.type, where, names, event.model_dump_json(exclude=_COMMON_FIELDS))


def _happening_key(event: Event, names: frozenset[str]) -> Hashable:
    what = [slot(event, field) for field in _WHAT_FIELDS]
    money = slot(event, "value")
    texts = tuple(value.casefold() if isinstance(value, str) else value for value in what)
    amount = money.amount if money is not None else None
    return ("happening", event.type, names, event.status, event.date, texts, amount)


def distinct(events: list[Event]) -> list[Event]:
    """`events` without repeats (see the module doc), in order."""
    seen: set[Hashable] = set()
    kept: list[Event] = []
    for event in events:
        names = frozenset(p.name.casefold() for p in event.participants)
        keys = (_loop_key(event, names), _happening_key(event, names))
        if not seen.intersection(keys):
            kept.append(event)
        seen.update(keys)
    return kept
