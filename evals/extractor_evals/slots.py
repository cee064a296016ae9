"""The scored slots of an event, and how a predicted slot is compared with a gold one.

Scalar slots (status, date, location and the type-specific fields) count when either
side has a value: equal is a true positive; a wrong value is a false positive and a
false negative; a value on one side only is one of the two. Participant names,
`topics` and `areas` are fuzzy sets: each element is a slot, paired one-to-one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from .metrics import Counts
from .names import NameMatcher

Same = Callable[[Any, Any], bool]
NUMBER_TOLERANCE = 0.01  # numbers are equal within 1%

_ENUM_FIELDS = ("status", "milestone")
_NAME_FIELDS = ("location", "investor", "target")
_TEXT_FIELDS = ("agreement_kind", "subject", "facility", "unit", "project")
_NUMBER_FIELDS = ("from_value", "to_value")
_MONEY_FIELDS = ("value",)
_SET_FIELDS = ("topics", "areas")


def same_number(a: float, b: float) -> bool:
    if b == 0:
        return a == 0
    return abs(a - b) <= NUMBER_TOLERANCE * abs(b)


def same_money(a: Any, b: Any) -> bool:
    return bool(a.currency == b.currency and same_number(a.amount, b.amount))


def scalar_slots(event: Any, matcher: NameMatcher) -> dict[str, tuple[Any, Same]]:
    """Every scalar slot the event's type has, with its value and its comparison."""
    exact: Same = lambda a, b: a == b  # noqa: E731
    fields: dict[str, Same] = {"status": exact, "date": exact}
    for name in _ENUM_FIELDS:
        fields[name] = exact
    for name in _NAME_FIELDS:
        fields[name] = matcher.same_name
    for name in _TEXT_FIELDS:
        fields[name] = matcher.same_text
    for name in _NUMBER_FIELDS:
        fields[name] = same_number
    for name in _MONEY_FIELDS:
        fields[name] = same_money
    present = type(event).model_fields
    return {name: (getattr(event, name), same) for name, same in fields.items() if name in present}


def set_slots(event: Any) -> dict[str, list[str]]:
    """Participant names and the fuzzy-set fields of the event's type."""
    sets = {"participants": [p.name for p in event.participants]}
    present = type(event).model_fields
    sets.update({name: list(getattr(event, name)) for name in _SET_FIELDS if name in present})
    return sets


def slot_total(event: Any, matcher: NameMatcher) -> int:
    """How many slots an event fills: what an unpaired event misses or invents."""
    scalars = sum(value is not None for value, _ in scalar_slots(event, matcher).values())
    return scalars + sum(len(values) for values in set_slots(event).values())


def pair_sets(predicted: list[str], gold: list[str], same: Same) -> Counts:
    """Pair two fuzzy sets one-to-one, as many matches as possible."""
    if not predicted or not gold:
        return Counts(fp=len(predicted), fn=len(gold))
    agree = np.array([[1.0 if same(p, g) else 0.0 for g in gold] for p in predicted])
    rows, cols = linear_sum_assignment(agree, maximize=True)
    matched = int(agree[rows, cols].sum())
    return Counts(tp=matched, fp=len(predicted) - matched, fn=len(gold) - matched)


def compare(predicted: Any, gold: Any, matcher: NameMatcher) -> dict[str, Counts]:
    """Slot counts of one predicted event against one gold event of the same type."""
    result: dict[str, Counts] = {}
    gold_scalars = scalar_slots(gold, matcher)
    for name, (value, same) in scalar_slots(predicted, matcher).items():
        expected = gold_scalars[name][0]
        if value is None and expected is None:
            continue
        if value is not None and expected is not None and same(value, expected):
            result[name] = Counts(tp=1)
        else:
            result[name] = Counts(fp=int(value is not None), fn=int(expected is not None))
    gold_sets = set_slots(gold)
    for name, values in set_slots(predicted).items():
        same = matcher.same_name if name == "participants" else matcher.same_text
        counts = pair_sets(values, gold_sets[name], same)
        if counts.tp + counts.fp + counts.fn:
            result[name] = counts
    return result
