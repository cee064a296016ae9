"""Is an answer grounded in its article? Evidence spans, participant names and numbers."""

from __future__ import annotations

import re
from functools import cached_property

from extractor_schemas import EventBase, Span, slot
from rapidfuzz import fuzz

_QUOTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "–": "-",
        "—": "-",
        "‑": "-",
        "\u00a0": " ",
    }
)
_SPACE = re.compile(r"\s+")
_SCALES = {
    "thousand": 1e3, "k": 1e3, "lakh": 1e5, "million": 1e6, "mln": 1e6, "m": 1e6,
    "crore": 1e7, "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12,
}  # fmt: skip
_WORDS = [
    "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "eleven", "twelve",
]  # fmt: skip
_NUMBER = re.compile(
    r"(\d[\d,]*(?:\.\d+)?|\b(?:" + "|".join(_WORDS) + r")\b)"
    r"(?:\s*-?\s*(" + "|".join(_SCALES) + r")\b)?",
    re.IGNORECASE,
)
NUMBER_TOLERANCE = 0.01  # relative; the scorer's tolerance for numbers
_EDGE = " \t\r\n.,;:\"'"


def _normalize_char(char: str) -> str:
    return char.translate(_QUOTES)


class ArticleIndex:
    """An article's text, prepared once for many evidence and name look-ups."""

    def __init__(self, text: str, body_start: int = 0, name_threshold: float = 85.0) -> None:
        self.text = text
        self.body_start = body_start
        self.name_threshold = name_threshold

    @cached_property
    def _normalized(self) -> tuple[str, list[int]]:
        """Text with quotes unified and whitespace runs folded, plus a map back to offsets."""
        chars: list[str] = []
        origin: list[int] = []
        previous_space = False
        for offset, char in enumerate(self.text):
            if char.isspace():
                if previous_space:
                    continue
                previous_space = True
                chars.append(" ")
            else:
                previous_space = False
                chars.append(_normalize_char(char))
            origin.append(offset)
        return "".join(chars), origin

    @cached_property
    def _lower(self) -> str:
        return self._normalized[0].lower()

    @cached_property
    def _raw_lower(self) -> str:
        return self.text.lower()

    def locate(self, evidence: str) -> Span | None:
        """Offsets of `evidence` in the text: exact, else after quote/whitespace folding."""
        start = self.text.find(evidence, self.body_start)
        if start < 0:
            start = self.text.find(evidence)
        if start >= 0 and evidence:
            return Span(start=start, end=start + len(evidence))
        needle = _SPACE.sub(" ", evidence.translate(_QUOTES)).strip(_EDGE)
        if not needle:
            return None
        haystack, origin = self._normalized
        found = haystack.find(needle)
        if found < 0:
            return None
        return Span(start=origin[found], end=origin[found + len(needle) - 1] + 1)

    @cached_property
    def numbers(self) -> list[float]:
        """Every number the article states, also times its scale word (`650 million`)."""
        found: list[float] = []
        for match in _NUMBER.finditer(self.text):
            raw, scale = match.group(1).lower().rstrip(","), match.group(2)
            try:
                value = (
                    float(_WORDS.index(raw) + 1) if raw in _WORDS else float(raw.replace(",", ""))
                )
            except ValueError:
                continue
            found.append(value)
            if scale:
                found.append(value * _SCALES[scale.lower()])
        return found

    def has_number(self, value: float) -> bool:
        """Whether the article states `value` (within 1%), in digits, words or with a scale."""
        return value == 0 or any(
            abs(value - number) <= NUMBER_TOLERANCE * abs(number) for number in self.numbers
        )

    def has_name(self, name: str) -> bool:
        """Whether a name occurs in the text, exactly or with a small misspelling."""
        needle = _SPACE.sub(" ", name.translate(_QUOTES)).strip().lower()
        if not needle:
            return False
        # A folded needle found in the raw text is found in the folded text too (its
        # characters are fixed points of the folding), which costs a loop per character.
        if needle in self._raw_lower or needle in self._lower:
            return True
        return fuzz.partial_ratio(needle, self._lower) >= self.name_threshold

    def problems(self, events: list[EventBase]) -> list[str]:
        """Every grounding violation, worded for the model to fix; sets `evidence_span`."""
        found: list[str] = []
        for i, event in enumerate(events):
            span = self.locate(event.evidence)
            if span is None:
                found.append(
                    f"events[{i}].evidence is not text of the article: {event.evidence[:120]!r}. "
                    "Copy the sentence from the article exactly."
                )
            event.evidence_span = span
            for j, participant in enumerate(event.participants):
                if not self.has_name(participant.name):
                    found.append(
                        f"events[{i}].participants[{j}].name {participant.name!r} does not occur "
                        "in the article. Use names exactly as the article writes them."
                    )
            for field, number in stated_numbers(event):
                if not self.has_number(number):
                    found.append(
                        f"events[{i}].{field} {number:g} is not a number the article states. "
                        "Use the article's own figures."
                    )
        return found


def stated_numbers(event: EventBase) -> list[tuple[str, float]]:
    """The event's figures that the article must state: money amounts and capacities."""
    numbers: list[tuple[str, float]] = []
    value = slot(event, "value")
    if value is not None:
        numbers.append(("value.amount", float(value.amount)))
    for field in ("from_value", "to_value"):
        number = slot(event, field)
        if number is not None:
            numbers.append((field, float(number)))
    return numbers
