"""Find the numbers of a text and what they are: money, a quantity, a year, a percentage.

Augmentation scales money and quantities by one factor, swaps currencies and
shifts years; everything else (days, counts, percentages, "Train 2") stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from .vocab import Vocabulary

Kind = Literal["money", "quantity", "percent", "year", "other"]

SCALES = {
    "thousand": Decimal(10) ** 3,
    "lakh": Decimal(10) ** 5,
    "million": Decimal(10) ** 6,
    "mln": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "m": Decimal(10) ** 6,
    "crore": Decimal(10) ** 7,
    "billion": Decimal(10) ** 9,
    "bn": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
    "tn": Decimal(10) ** 12,
}
_MONEY_ONLY_SCALES = {"m", "mn", "bn", "tn", "mln"}  # too ambiguous without a currency
# A number not glued to letters or digits before it; "mid-2025" and "RM2" are let through
# and judged by what precedes them.
_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])|(?<![\d.,])\d+(?:\.\d+)?")
_SCALE_AFTER = re.compile(r"[ -]?(thousand|million|billion|trillion|crore|lakh|mln|mn|bn|tn|m)\b")
_PERCENT_AFTER = re.compile(r" ?(?:%|percent\b|per cent\b)")
_FISCAL_AFTER = re.compile(r"([-–/])(\d{2})(?!\d)")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTHS})\.? $")
_MONTH_AFTER = re.compile(rf" (?:{_MONTHS})\b")
_DIGIT_JOINED_BEFORE = re.compile(r"\d[-–/:]$")
_DIGIT_JOINED_AFTER = re.compile(r"[-–/:]\d")


@dataclass(frozen=True)
class Mention:
    """A number in a text, with its currency marks and scale word if any."""

    start: int  # the whole mention, markers included
    end: int
    number_start: int
    number_end: int
    number: str  # as written, e.g. "4,200"
    scale: str | None
    kind: Kind
    currencies: tuple[str, ...] = ()
    prefix: tuple[int, int, str] | None = None  # offsets and text of a currency mark before
    suffix: tuple[int, int, str] | None = None  # offsets and text of a currency word after
    scale_end: int | None = None  # where the scale word ends

    @property
    def mantissa(self) -> Decimal:
        return Decimal(self.number.replace(",", ""))

    @property
    def value(self) -> Decimal:
        return self.mantissa * (SCALES[self.scale] if self.scale else 1)


class NumberReader:
    """Finds and classifies number mentions; knows currencies and units from the vocabulary."""

    def __init__(self, vocab: Vocabulary, extra_units: Iterable[str] = ()) -> None:
        self.vocab = vocab
        prefixes = sorted(vocab.currency_prefixes, key=len, reverse=True)
        codes = sorted(vocab.currency_codes)
        marks = "|".join(re.escape(p) for p in prefixes)
        self._prefix = re.compile(
            rf"(?:(?<![\w$])(?:{marks})|(?<![\w$])(?:{'|'.join(codes)}))[  ]?$"
        )
        words = sorted(vocab.currency_words, key=len, reverse=True)
        self._suffix = re.compile(
            rf"[  ](?:{'|'.join(re.escape(w) for w in words)}|{'|'.join(codes)})(?![\w])"
        )
        units = sorted({*vocab.units, *extra_units}, key=len, reverse=True)
        self._unit = re.compile(rf"[ -](?:{'|'.join(re.escape(u) for u in units)})(?![\w])")

    def mentions(self, text: str, gold_values: Iterable[Decimal] = ()) -> list[Mention]:
        """Every number of `text`, classified. A number equal to a gold value is a quantity."""
        targets = set(gold_values)
        found: list[Mention] = []
        consumed = 0
        for match in _NUMBER.finditer(text):
            if match.start() < consumed:
                continue
            mention = self._classify(text, match, targets)
            if mention is not None:
                found.append(mention)
                consumed = mention.end
        return found

    def _classify(self, text: str, match: re.Match[str], targets: set[Decimal]) -> Mention | None:
        start, end = match.span()
        number = match.group()
        before = text[max(0, start - 6) : start]
        prefix_match = self._prefix.search(before)
        glued_letter = start > 0 and (
            text[start - 1].isalpha() or text[start - 1] in "$€£¥₹₸₦₩₱₺₫₴"
        )
        prefix = None
        if prefix_match is not None:
            offset = start - len(before) + prefix_match.start()
            mark = prefix_match.group().rstrip()
            prefix = (offset, offset + len(mark), mark)
        elif glued_letter:
            return None  # "E195", "A220", "DXB3": part of a name
        cursor = end
        scale = None
        scale_match = _SCALE_AFTER.match(text, cursor)
        scale_end = None
        if scale_match is not None:
            scale = scale_match.group(1)
            cursor = scale_end = scale_match.end()
        suffix = None
        suffix_match = self._suffix.match(text, cursor)
        if suffix_match is not None:
            word = suffix_match.group().lstrip()
            suffix = (suffix_match.end() - len(word), suffix_match.end(), word)
        currencies = self._currencies(prefix, suffix)
        if currencies:
            return Mention(
                start=prefix[0] if prefix else start,
                end=suffix[1] if suffix else cursor,
                number_start=start,
                number_end=end,
                number=number,
                scale=scale,
                kind="money",
                currencies=currencies,
                prefix=prefix,
                suffix=suffix,
                scale_end=scale_end,
            )
        if scale in _MONEY_ONLY_SCALES:
            scale, cursor = None, end
        plain = Mention(start, end, start, end, number, None, "other")
        if _PERCENT_AFTER.match(text, end):
            return Mention(start, end, start, end, number, None, "percent")
        after_letter_hyphen = start > 1 and text[start - 1] == "-" and text[start - 2].isalpha()
        is_year = re.fullmatch(r"(19|20)\d\d", number) is not None and scale is None
        if is_year and text.startswith("s", end):
            return plain  # a decade, "the 2010s", does not move by single years
        if is_year and not self._unit.match(text, end):
            fiscal = _FISCAL_AFTER.match(text, end)
            stop = end
            if fiscal and int(fiscal.group(2)) == (int(number) + 1) % 100:
                stop = fiscal.end()
            return Mention(start, stop, start, end, number, None, "year")
        if (
            after_letter_hyphen  # "Zarafshan-2", "HPP-1"
            or _DIGIT_JOINED_BEFORE.search(text, max(0, start - 2), start)  # "2024-03-12", "10:30"
            or _DIGIT_JOINED_AFTER.match(text, end)
            or _MONTH_BEFORE.search(text, max(0, start - 12), start)  # "March 12"
            or _MONTH_AFTER.match(text, end)  # "12 March"
        ):
            return plain
        value = Decimal(number.replace(",", "")) * (SCALES[scale] if scale else 1)
        if scale or self._unit.match(text, cursor) or _matches(value, targets):
            return Mention(start, cursor, start, end, number, scale, "quantity")
        return plain

    def _currencies(
        self, prefix: tuple[int, int, str] | None, suffix: tuple[int, int, str] | None
    ) -> tuple[str, ...]:
        codes: list[str] = []
        for mark, table in (
            (prefix, self.vocab.currency_prefixes),
            (suffix, self.vocab.currency_words),
        ):
            if mark is None:
                continue
            text = mark[2]
            codes += table.get(text, [text] if text in self.vocab.currency_codes else [])
        return tuple(dict.fromkeys(codes))


UNIT_FACTORS = (
    Decimal(1),
    Decimal(10) ** 3,
    Decimal(10) ** -3,
    Decimal(10) ** 6,
    Decimal(10) ** -6,
)


def _matches(value: Decimal, targets: set[Decimal]) -> bool:
    return any(value == target * factor for target in targets for factor in UNIT_FACTORS)


def matching(
    mentions: Iterable[Mention], value: Decimal, currency: str | None = None
) -> list[Mention]:
    """The mentions that state `value`: money in `currency`, or a quantity in some unit scale."""
    if currency is not None:
        return [
            m
            for m in mentions
            if m.kind == "money" and currency in m.currencies and m.value == value
        ]
    return [m for m in mentions if any(m.value == value * f for f in UNIT_FACTORS)]


def format_like(original: str, value: Decimal) -> str:
    """Write `value` in the style of `original`: thousands commas and decimal places."""
    decimals = len(original.partition(".")[2])
    text = format(value.normalize(), "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.ljust(decimals, "0") if decimals else fraction
    plain_whole = original.replace(",", "").partition(".")[0]
    commas = "," in original or int(whole) >= 10_000 or (len(plain_whole) < 4 <= len(whole))
    whole_text = f"{int(whole):,}" if commas else whole
    return whole_text + (f".{fraction}" if fraction else "")


def decimal_of(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def plain_number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def gold_values(events: list[dict[str, Any]]) -> list[Decimal]:
    values = [
        decimal_of(e[k]) for e in events for k in ("from_value", "to_value") if e.get(k) is not None
    ]
    return values + [decimal_of(e["value"]["amount"]) for e in events if e.get("value")]
