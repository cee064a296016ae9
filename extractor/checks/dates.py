"""Time expressions in an evidence sentence, resolved against the publication date.

Small models copy the dateline or the publication day where the article says "on
Monday", "last month" or "the first quarter of next year". The arithmetic is
mechanical, so it is done here, by the spec's labeling rules, instead of by the model.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from extractor_schemas import Event

# Bump extractor.versions.DATES when a rule changes what `checked_date` returns.

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for name in names
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
}

_MONTH = rf"(?:{'|'.join(m.capitalize() for m in sorted(MONTHS, key=len, reverse=True))})\.?"
_WEEKDAY = "|".join(day.capitalize() for day in WEEKDAYS)
_YEAR = r"(?:19|20)\d\d(?!\w|[,.]\d)"
_WHICH_YEAR = rf"(?:this|next|last) year|{_YEAR}"
_PATTERNS: list[tuple[str, str]] = [
    (
        "quarter",
        rf"\b(?P<q>(?i:first|second|third|fourth)|1st|2nd|3rd|4th)[- ]quarter"
        rf"(?: of (?:the year|(?P<qy>{_WHICH_YEAR})))?",
    ),
    ("q_code", rf"\bQ(?P<qn>[1-4])(?:[ -]?(?P<qny>{_YEAR}))?\b"),
    (
        "year_part",
        rf"\b(?i:(?:first|second) half|(?:the )?(?:start|beginning|middle|end) of"
        rf"|early|mid|late)[- ](?:of )?(?P<py>{_WHICH_YEAR})",
    ),
    ("day_month_year", rf"\b(?P<d1>\d{{1,2}}) (?P<m1>{_MONTH}),? (?P<y1>{_YEAR})"),
    ("month_day_year", rf"\b(?P<m2>{_MONTH}) (?P<d2>\d{{1,2}}),? (?P<y2>{_YEAR})"),
    ("month_year", rf"\b(?P<m3>{_MONTH}),? (?:of )?(?P<y3>{_YEAR}|this year|next year|last year)"),
    ("month_day", rf"\b(?P<m4>{_MONTH}) (?P<d4>\d{{1,2}})\b(?!,? ?\d)"),
    ("day_month", rf"\b(?P<d5>\d{{1,2}}) (?P<m5>{_MONTH})\b"),
    (
        "month",
        rf"\b(?i:in|by|since|from|until|to|during|of|early|late|mid|on|end|last|next)[- ]"
        rf"(?P<m6>{_MONTH})\b(?!\.?,? ?\d| (?:of )?(?:this|next|last) year)",
    ),
    ("rel_month", r"\b(?P<rm>(?i:last|next|this|earlier this|later this)) month\b"),
    ("rel_year", r"\b(?P<ry>(?i:last|next|this|earlier this|later this)) year\b"),
    ("year", rf"(?<![$€£\d.,])\b(?P<y>{_YEAR})\b"),
    ("rel_day", r"\b(?P<rd>(?i:today|yesterday))\b"),
    (
        "weekday",
        rf"\b(?P<last>(?i:last) )?(?P<wd>{_WEEKDAY})\b",
    ),
    ("week", r"\b(?P<wk>(?i:last|this|next)) week\b"),
]
_TIME = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _PATTERNS))
_OTHER_STARTERS = (
    "the start beginning middle end early mid late in by since from until to during of on "
    "last next this earlier later today yesterday"
)
# A time expression begins at a digit, Q1-Q4, or one of these words (any case).
_STARTERS = frozenset([*MONTHS, *WEEKDAYS, *_ORDINALS, *_OTHER_STARTERS.split()])
_WORD = re.compile(r"\b\w+")
_SAID_BEFORE = re.compile(r"\b(?:said|says|told [\w ]{1,30}?)(?: on| this| last)? $")
_DATELINE_BEFORE = re.compile(r"^\W*[A-ZÀ-Þ][A-ZÀ-Þ .'’-]+(?:, ?[A-Z][\w .'’-]*)?, ?$")


@dataclass(frozen=True)
class TimeMention:
    """One time expression: its text, its resolved partial date (None if not sure), and
    whether it names a recent day ("on Monday", "yesterday") rather than a period."""

    text: str
    value: str | None
    recent_day: bool = False
    floating: bool = False  # a month or day without a year: this year, or the nearest one


def _year(text: str | None, published: date) -> int:
    """A year written as digits, "this|next|last year" or nothing (this year)."""
    text = (text or "this").lower()
    if text.startswith("this"):
        return published.year
    if text.startswith("next"):
        return published.year + 1
    if text.startswith("last"):
        return published.year - 1
    return int(text)


def _month(text: str) -> int:
    return MONTHS[text.rstrip(".").lower()]


def _day(year: int, month: int, day: str) -> str | None:
    try:
        return date(year, month, int(day)).isoformat()
    except ValueError:
        return None


def _shift_month(published: date, months: int) -> str:
    index = published.year * 12 + published.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _week_month(first: date, last: date) -> str | None:
    return f"{first:%Y-%m}" if (first.year, first.month) == (last.year, last.month) else None


def _resolve(kind: str, found: dict[str, str], published: date) -> TimeMention:
    """The mention a match of pattern `kind` makes; `found` holds its matched groups."""
    text = found[kind]
    if kind == "quarter":
        return TimeMention(
            text, f"{_year(found.get('qy'), published)}-Q{_ORDINALS[found['q'].lower()]}"
        )
    if kind == "q_code":
        return TimeMention(text, f"{_year(found.get('qny'), published)}-Q{found['qn']}")
    if kind == "year_part":
        return TimeMention(text, str(_year(found["py"], published)))
    if kind in ("day_month_year", "month_day_year"):
        n = "1" if kind == "day_month_year" else "2"
        return TimeMention(text, _day(int(found["y" + n]), _month(found["m" + n]), found["d" + n]))
    if kind == "month_year":
        return TimeMention(text, f"{_year(found['y3'], published)}-{_month(found['m3']):02d}")
    if kind in ("month_day", "day_month"):
        n = "4" if kind == "month_day" else "5"
        day = _day(published.year, _month(found["m" + n]), found["d" + n])
        return TimeMention(text, day, floating=True)
    if kind == "month":
        return TimeMention(text, f"{published.year}-{_month(found['m6']):02d}", floating=True)
    if kind == "rel_month":
        step = {"last": -1, "next": 1}.get(found["rm"].lower(), 0)
        return TimeMention(text, _shift_month(published, step))
    if kind == "rel_year":
        return TimeMention(text, str(_year(found["ry"].split()[-1], published)))
    if kind == "year":
        return TimeMention(text, found["y"])
    if kind == "rel_day":
        back = 1 if found["rd"].lower() == "yesterday" else 0
        return TimeMention(text, (published - timedelta(days=back)).isoformat(), recent_day=True)
    if kind == "weekday":
        back = (published.weekday() - WEEKDAYS.index(found["wd"].lower())) % 7
        if back == 0 and "last" in found:
            back = 7
        return TimeMention(text, (published - timedelta(days=back)).isoformat(), recent_day=True)
    start = {"last": -7, "this": -published.weekday(), "next": 7 - published.weekday()}
    first = published + timedelta(days=start[found["wk"].lower()])
    return TimeMention(text, _week_month(first, first + timedelta(days=6)))


def time_matches(sentence: str) -> Iterator[re.Match[str]]:
    """`_TIME.finditer(sentence)`, tried only at words where a time expression can begin.

    Every pattern begins at a digit, `Q1`-`Q4` or one of `_STARTERS`; trying the big
    alternation there alone finds the same matches about six times faster
    (tests/test_dates.py checks that the two agree).
    """
    end = 0
    for word in _WORD.finditer(sentence):
        start = word.start()
        if start < end:
            continue
        token = word.group().lower()
        if token in _STARTERS or token[0].isdigit() or (token[0] == "q" and token[1:2] in "1234"):
            match = _TIME.match(sentence, start)
            if match is not None:
                end = match.end()
                yield match


def time_mentions(sentence: str, published: date) -> list[TimeMention]:
    """The time expressions of `sentence`, left to right, without a leading dateline
    ("ASTANA, May 27." dates the lead event only, which the model reads itself)."""
    mentions = []
    for match in time_matches(sentence):
        kind = str(match.lastgroup)  # the pattern's own group closes after its inner ones
        if kind in ("month_day", "day_month") and _DATELINE_BEFORE.match(sentence[: match.start()]):
            continue
        if kind in ("weekday", "rel_day") and _SAID_BEFORE.search(sentence, 0, match.start()):
            continue  # when the news was told, not when the event happened
        found = {name: text for name, text in match.groupdict().items() if text is not None}
        mentions.append(_resolve(kind, found, published))
    return mentions


def period(value: str) -> tuple[date, date]:
    """The first and last day a partial date covers."""
    year = int(value[:4])
    if len(value) == 4:
        return date(year, 1, 1), date(year, 12, 31)
    if value[5] == "Q":
        quarter = int(value[6])
        first = date(year, 3 * quarter - 2, 1)
        return first, _month_end(year, 3 * quarter)
    if len(value) == 7:
        month = int(value[5:7])
        return date(year, month, 1), _month_end(year, month)
    day = date.fromisoformat(value)
    return day, day


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _nearest_year(value: str, planned: bool, published: date) -> str:
    """A month or day given without a year: the next one for planned events, the last
    one for past events."""
    first, last = period(value)
    if planned and last < published:
        return f"{int(value[:4]) + 1}{value[4:]}"
    if not planned and first > published:
        return f"{int(value[:4]) - 1}{value[4:]}"
    return value


def checked_date(
    model_date: str | None, event_type: str, status: str, evidence: str, published: date | None
) -> str | None:
    """The event's date after checking the model's against its evidence sentence.

    When the sentence holds exactly one time expression that can be this event's time,
    its resolved date wins: a recent day only for what has happened, nothing after the
    publication date for what has happened, nothing before it for what is planned, and
    for an agreement only a day (its other times are usually the deal's terms).
    """
    if published is None:
        return model_date
    mentions = time_mentions(evidence, published)
    if len(mentions) != 1:
        return model_date
    mention = mentions[0]
    if mention.value is None:
        return model_date
    planned = status == "planned"
    value = mention.value
    if mention.floating:
        value = _nearest_year(value, planned, published)
    first, last = period(value)
    if mention.recent_day and planned:
        return model_date
    if (not planned and first > published) or (planned and last < published):
        return model_date
    if event_type == "agreement" and len(value) != 10:
        return model_date
    return value


def with_checked_date(event: Event, published: date | None) -> Event:
    """`event` with its date checked by `checked_date`."""
    value = checked_date(event.date, event.type, event.status, event.evidence, published)
    return event if value == event.date else event.model_copy(update={"date": value})
