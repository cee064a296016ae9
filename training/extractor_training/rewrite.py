"""Apply one substitution plan to an article or any string of its gold file.

The same edits are computed for the article and for each gold string, so that
both change together; evidence is carried over by its offsets in the article.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from .numbers import Mention, NumberReader, format_like
from .vocab import Vocabulary


class Rejected(Exception):
    """This variant cannot be made consistent; the message says why."""


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    new: str


@dataclass
class Plan:
    """Everything one variant changes."""

    names: dict[str, str] = field(default_factory=dict)
    factor: Decimal = Decimal(1)
    currencies: dict[str, str] = field(default_factory=dict)  # old code -> new code
    years: int = 0
    # how an ambiguous currency mark reads in this article ("$" -> "AUD"), from the gold
    resolved: dict[str, str] = field(default_factory=dict)


# scale word -> (the next one up, the next one down), for money written as "2,600 million"
_LADDER = {
    "thousand": ("million", None),
    "million": ("billion", None),
    "billion": ("trillion", "million"),
    "trillion": (None, "billion"),
    "mn": ("bn", None),
    "bn": (None, "mn"),
}
_SINGULAR = frozenset(
    {
        "dollar",
        "euro",
        "pound",
        "rupee",
        "riyal",
        "rial",
        "dirham",
        "peso",
        "franc",
        "crown",
        "shilling",
        "real",
        "cedi",
        "dinar",
        "soum",
        "zloty",
        "leu",
        "krone",
    }
)


class Rewriter:
    def __init__(
        self, plan: Plan, reader: NumberReader, vocab: Vocabulary, gold_values: Iterable[Decimal]
    ) -> None:
        self.plan = plan
        self.reader = reader
        self.vocab = vocab
        self.gold_values = tuple(gold_values)
        keys = sorted(plan.names, key=len, reverse=True)
        self._names = (
            re.compile(rf"(?<!\w)(?:{'|'.join(re.escape(k) for k in keys)})(?!\w)")
            if keys
            else None
        )

    def currency_of(self, mention: Mention) -> str:
        for mark in (mention.prefix, mention.suffix):
            if mark is not None and mark[2] in self.plan.resolved:
                return self.plan.resolved[mark[2]]
        return mention.currencies[0]

    def edits(self, text: str) -> list[Edit]:
        mentions = self.reader.mentions(text, self.gold_values)
        edits = [e for m in mentions for e in self._number_edits(text, m)]
        taken = [(m.start, m.end) for m in mentions if m.kind in ("money", "year", "quantity")]
        if self._names is not None:
            for match in self._names.finditer(text):
                start, end = match.span()
                if any(s < end and start < e for s, e in taken):
                    continue
                edits.append(Edit(start, end, self.plan.names[match.group()]))
        edits.sort(key=lambda e: e.start)
        for before, after in pairwise(edits):
            if after.start < before.end:
                raise Rejected(
                    f"overlapping edits at {after.start}: {text[before.start : after.end]!r}"
                )
        return edits

    def _number_edits(self, text: str, mention: Mention) -> list[Edit]:
        plan = self.plan
        if mention.kind == "year":
            year = int(mention.number) + plan.years
            new = str(year)
            if mention.end > mention.number_end:  # "2022-23"
                separator = text[mention.number_end]
                new += f"{separator}{(year + 1) % 100:02d}"
            return [Edit(mention.start, mention.end, new)] if plan.years else []
        if mention.kind not in ("money", "quantity"):
            return []
        edits: list[Edit] = []
        if plan.factor != 1:
            edits.append(self._scaled(text, mention))
        if mention.kind == "money":
            code = self.currency_of(mention)
            target = plan.currencies.get(code)
            if target is not None:
                edits += self._currency_edits(text, mention, target)
        return edits

    def _scaled(self, text: str, mention: Mention) -> Edit:
        """The number times the factor; money moves to the next scale word ("2.6 billion")."""
        value = mention.mantissa * self.plan.factor
        scale = mention.scale
        if mention.kind == "money" and scale in _LADDER and mention.scale_end is not None:
            up, down = _LADDER[scale]
            new_scale = scale
            if value >= 1000 and up:
                value, new_scale = value / 1000, up
            elif value < 1 and down:
                value, new_scale = value * 1000, down
            if new_scale != scale and value == round(value, 3):
                gap = text[mention.number_end : mention.scale_end - len(scale)]
                number = format_like(mention.number.replace(",", ""), value)
                return Edit(mention.number_start, mention.scale_end, f"{number}{gap}{new_scale}")
        if value != round(value, 3):
            raise Rejected(f"factor {self.plan.factor} makes {mention.number} too precise")
        return Edit(mention.number_start, mention.number_end, format_like(mention.number, value))

    def _currency_edits(self, text: str, mention: Mention, target: str) -> list[Edit]:
        forms = self.vocab.forms(target)
        edits: list[Edit] = []
        if mention.prefix is not None:
            start, _end, mark = mention.prefix
            new = f"{target} " if re.fullmatch(r"[A-Z]{3}", mark) else forms.prefix
            edits.append(Edit(start, mention.number_start, new))
        if mention.suffix is not None:
            start, end, word = mention.suffix
            if re.fullmatch(r"[A-Z]{3}", word):
                new = target
            elif mention.prefix is not None:
                new = forms.plural  # "US$5 million dollars" does not occur; keep it readable
            else:
                singular = word.split()[-1] in _SINGULAR
                new = forms.singular if singular else forms.plural
            edits.append(Edit(start, end, new))
        return edits

    def apply(self, text: str) -> str:
        return apply_edits(text, self.edits(text))[0]


@dataclass(frozen=True)
class OffsetMap:
    """Maps offsets of the original text to the rewritten one."""

    edits: tuple[Edit, ...]
    shifts: tuple[int, ...]  # cumulative length change after each edit

    def __call__(self, offset: int) -> int:
        index = bisect_right([e.start for e in self.edits], offset) - 1
        if index >= 0:
            edit = self.edits[index]
            if edit.start < offset < edit.end:
                raise Rejected(f"offset {offset} falls inside an edit")
            if offset >= edit.end:
                return offset + self.shifts[index]
            index -= 1  # the offset is where this edit starts: only earlier edits shift it
        return offset + (self.shifts[index] if index >= 0 else 0)


def apply_edits(text: str, edits: list[Edit]) -> tuple[str, OffsetMap]:
    pieces: list[str] = []
    cursor = 0
    shifts: list[int] = []
    total = 0
    for edit in edits:
        pieces += [text[cursor : edit.start], edit.new]
        cursor = edit.end
        total += len(edit.new) - (edit.end - edit.start)
        shifts.append(total)
    pieces.append(text[cursor:])
    return "".join(pieces), OffsetMap(tuple(edits), tuple(shifts))
