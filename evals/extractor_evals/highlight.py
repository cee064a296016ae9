"""Cut an article's text into runs covered by the same evidence spans, for highlighting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

Side = Literal["pred", "gold"]


@dataclass(frozen=True)
class Mark:
    """One evidence span `[start, end)` of one event, labelled e.g. `P1` or `G2`."""

    start: int
    end: int
    side: Side
    label: str


@dataclass(frozen=True)
class Run:
    """A stretch of text, the marks covering it and the marks that begin at its start."""

    text: str
    covering: tuple[Mark, ...]
    starting: tuple[Mark, ...]

    @property
    def sides(self) -> tuple[Side, ...]:
        """`pred`, `gold`, both or neither, in that order."""
        found = {mark.side for mark in self.covering}
        return tuple(side for side in ("pred", "gold") if side in found)

    @property
    def labels(self) -> str:
        return ", ".join(mark.label for mark in self.covering)


def runs(text: str, marks: Sequence[Mark]) -> list[Run]:
    """The whole text as consecutive runs; overlapping and nested marks are split at every edge.

    Marks outside the text are clipped; empty ones are dropped.
    """
    size = len(text)
    kept = []
    for mark in marks:
        start, end = max(0, min(mark.start, size)), max(0, min(mark.end, size))
        if start < end:
            kept.append(Mark(start, end, mark.side, mark.label))
    edges = sorted({0, size, *(m.start for m in kept), *(m.end for m in kept)})
    return [
        Run(
            text=text[a:b],
            covering=tuple(m for m in kept if m.start <= a and b <= m.end),
            starting=tuple(m for m in kept if m.start == a),
        )
        for a, b in pairwise(edges)
    ]
