"""Pair predicted with gold events one-to-one, within a type, by maximum slot agreement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from .metrics import Counts
from .names import NameMatcher
from .slots import compare

ELIGIBLE = 1e-3


@dataclass(frozen=True)
class Pair:
    predicted: int  # index into the article's predicted events
    gold: int  # index into the article's gold events
    slots: dict[str, Counts] = field(default_factory=dict)

    @property
    def slot_counts(self) -> Counts:
        return sum(self.slots.values(), Counts())


def anchors(event: Any) -> list[str]:
    """The names a pair must share one of: participants, facility, project."""
    names = [p.name for p in event.participants]
    names += [getattr(event, key) for key in ("facility", "project") if getattr(event, key, None)]
    return names


def share_anchor(predicted: Any, gold: Any, matcher: NameMatcher) -> bool:
    return any(
        matcher.same_name(p, g) or matcher.same_text(p, g)
        for p in anchors(predicted)
        for g in anchors(gold)
    )


def pair_events(predicted: Sequence[Any], gold: Sequence[Any], matcher: NameMatcher) -> list[Pair]:
    """Hungarian assignment per type; a pair without a shared anchor does not count."""
    pairs: list[Pair] = []
    for event_type in sorted({e.type for e in predicted} & {e.type for e in gold}):
        p_index = [i for i, e in enumerate(predicted) if e.type == event_type]
        g_index = [j for j, e in enumerate(gold) if e.type == event_type]
        slots = {
            (i, j): compare(predicted[i], gold[j], matcher)
            for i in p_index
            for j in g_index
            if share_anchor(predicted[i], gold[j], matcher)
        }
        if not slots:
            continue
        agreement = np.zeros((len(p_index), len(g_index)))
        for (i, j), counts in slots.items():
            # A hair above zero, so an eligible pair always beats no pair at equal agreement.
            agreement[p_index.index(i), g_index.index(j)] = (
                ELIGIBLE + sum(counts.values(), Counts()).tp
            )
        rows, cols = linear_sum_assignment(agreement, maximize=True)
        for row, col in zip(rows, cols, strict=True):
            key = (p_index[row], g_index[col])
            if key in slots:
                pairs.append(Pair(predicted=key[0], gold=key[1], slots=slots[key]))
    return sorted(pairs, key=lambda pair: pair.gold)
