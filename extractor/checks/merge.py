"""One article's events from its chunks' answers: shifted into whole-article offsets,
and an event that two neighbouring chunks both report (same type, overlapping evidence)
merged into one. Bump `extractor.versions.MERGE` when a rule changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from extractor_schemas import Event, Span, event_adapter

from ..text.chunking import Chunk

_LIST_FIELDS = ("topics", "areas")


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
