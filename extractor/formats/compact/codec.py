"""The compact answer format: a few short lines per event instead of JSON.

A small model writes this format, and `decode` maps it onto the events-v1
schemas; `encode` writes any list of events in it, losslessly. Example:

    capacity planned 2025 s1
    loc Antofagasta
    org Minera Cordillera Norte S.A.
    facility seawater desalination plant near Antofagasta
    from 1,000
    to 2,500
    unit litres per second

- A header line starts each event: `<type> <status> <date or -> <evidence>`.
  Types are `meeting agreement capacity milestone investment intent`.
- Evidence points into the article's numbered sentences (`extractor.text.sentences`):
  `s3` is sentence 3, `s3-4` sentences 3 to 4, `s3:10-52` characters 10 to 52
  of sentence 3; anything else is a JSON string, `-` is none.
- Then one line per field, key first: `loc`, participants (`person NAME | TITLE |
  AFFILIATION`, `org NAME`, `country NAME`), `topics a; b`, `areas a; b`, `kind`,
  `subject`, `value AMOUNT CUR`, `facility`, `from`, `to`, `unit`, `project`,
  `stage`, `investor`, `target`. A null or empty field has no line.
- Numbers may use thousands commas and a scale word (`650 million`, `4,200 crore`).
- Inside values `\\` escapes `\\`, `;`, `|` and `n` (newline); a value that is
  empty, starts with `"` or has surrounding spaces is written as a JSON string.
- An article without events is `none`.

Reading is lenient where a small model's slip has one plain meaning; the event is
then validated and grounded as usual:
- a number with its unit or percent sign (`to 1.8 GW`, `from 25%`) is the number,
  and the rest is the unit when the event has no `unit` line;
- a participant line listing several, separated by `;`, is several participants;
- a currency symbol with one meaning (`R$`, `A$`, `€`, `£`, `₹`) is its ISO code, after the
  amount or before it as the article writes it (`A$250 million`; `$` alone is USD);
- a field the event's type does not have (`topics` on an agreement) is ignored,
  as is a repeated single-valued line (the first one counts); a repeated list
  line (`topics`, `areas`) adds to the list.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from extractor_schemas import EVENT_CLASSES, Article, Event, EventBase, Span, event_adapter
from pydantic import ValidationError

from ...text.sentences import Sentence, split_sentences

COMPACT_VERSION = "compact-v1"  # the line format (what training answers are written in)
# How answers are read is versioned in extractor.versions.COMPACT_CODEC.
log = logging.getLogger(__name__)
NO_EVENTS = "none"

TYPE_CODES = {
    "meeting": "meeting",
    "agreement": "agreement",
    "capacity_change": "capacity",
    "project_milestone": "milestone",
    "investment": "investment",
    "cooperation_intent": "intent",
}
_TYPES_BY_CODE = {code: name for name, code in TYPE_CODES.items()}
_PARTICIPANT_KEYS = {"person": "person", "org": "organization", "country": "country"}
_KEY_BY_KIND = {kind: key for key, kind in _PARTICIPANT_KEYS.items()}
# Event field -> (line key, kind of value), in the order lines are written.
_FIELDS: dict[str, tuple[str, str]] = {
    "topics": ("topics", "list"),
    "areas": ("areas", "list"),
    "agreement_kind": ("kind", "text"),
    "subject": ("subject", "text"),
    "facility": ("facility", "text"),
    "from_value": ("from", "number"),
    "to_value": ("to", "number"),
    "unit": ("unit", "text"),
    "project": ("project", "text"),
    "milestone": ("stage", "text"),
    "investor": ("investor", "text"),
    "target": ("target", "text"),
    "value": ("value", "money"),
}
_FIELD_BY_KEY = {key: (field, kind) for field, (key, kind) in _FIELDS.items()}
_REQUIRED = {
    cls.model_fields["type"].default: {
        name for name, field in cls.model_fields.items() if field.is_required()
    }
    | {"type", "status", "evidence"}
    for cls in EVENT_CLASSES
}
_FIELDS_OF_TYPE = {cls.model_fields["type"].default: set(cls.model_fields) for cls in EVENT_CLASSES}
_CURRENCY_SYMBOLS = {
    "US$": "USD",
    "A$": "AUD",
    "C$": "CAD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "R$": "BRL",
    "€": "EUR",
    "£": "GBP",
    "₹": "INR",
}
# Money copied as the article writes it (`A$250 million`, `$1.2 billion`): "$" alone is USD.
_SYMBOL_FIRST = re.compile(
    rf"^({'|'.join(re.escape(symbol) for symbol in [*_CURRENCY_SYMBOLS, '$'])}) ?(\d.*)$"
)
_SCALES = {
    "thousand": Decimal(10) ** 3,
    "lakh": Decimal(10) ** 5,
    "million": Decimal(10) ** 6,
    "crore": Decimal(10) ** 7,
    "billion": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
}
_WRITTEN_SCALES = ("trillion", "billion", "million")
_NUMBER_TEXT = rf"(-?\d[\d,]*(?:\.\d+)?)(?: ({'|'.join(_SCALES)}))?"
_NUMBER = re.compile(rf"^{_NUMBER_TEXT}$")
# A number followed by its unit (`1.8 GW`, `25%`, `120 MW of IT load`); not by evidence (`s5`).
_MEASURE = re.compile(rf"^({_NUMBER_TEXT}) ?(%.*|(?!s\d)[^\W\d].*)$")
_EVIDENCE = re.compile(r"^s(\d+)(?:-(\d+)|:(\d+)-(\d+))?$")
_UNESCAPES = {"\\": "\\", ";": ";", "|": "|", "n": "\n"}


class CompactFormatError(ValueError):
    """A compact answer that cannot be read; the message names the line."""


# --- values -------------------------------------------------------------------------------


def _escape(value: str, specials: str = "") -> str:
    if value == "" or value != value.strip() or value.startswith('"'):
        quoted = json.dumps(value, ensure_ascii=False)
        for char in specials:  # JSON's \u escapes keep a separator out of a quoted value
            quoted = quoted.replace(char, f"\\u{ord(char):04x}")
        return quoted
    out = value.replace("\\", "\\\\").replace("\n", "\\n")
    for char in specials:
        out = out.replace(char, "\\" + char)
    return out


def _split_unescaped(value: str, separator: str) -> list[str]:
    """Split at `separator` where it is not escaped; the pieces keep their escapes."""
    pieces: list[str] = []
    current: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            current.append(char + next(chars, ""))
        elif char == separator:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return pieces


def _unescape(raw: str) -> str:
    raw = raw.strip()
    if raw.startswith('"'):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CompactFormatError(f"bad quoted value {raw!r}: {exc.msg}") from None
        if not isinstance(value, str):
            raise CompactFormatError(f"quoted value {raw!r} is not a string")
        return value
    out: list[str] = []
    chars = iter(raw)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append(_UNESCAPES.get(following, "\\" + following))
        else:
            out.append(char)
    return "".join(out)


def format_number(value: float, scale_words: bool = True) -> str:
    """`650 million`, `1,000`, `0.6`: exact, with thousands commas and scale words."""
    number = Decimal(repr(float(value)))
    if scale_words and number == number.to_integral_value() and abs(number) >= 10**6:
        for word in _WRITTEN_SCALES:
            mantissa = number / _SCALES[word]
            if abs(mantissa) >= 1 and mantissa == round(mantissa, 3):
                return f"{_plain(mantissa)} {word}"
    return _plain(number)


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    whole, _, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-')):,}"
    return sign + grouped + (f".{fraction}" if fraction else "")


def parse_number(text: str) -> float:
    """Read `650 million`, `4,200 crore`, `2500` or `0.6` back into a plain number."""
    match = _NUMBER.match(" ".join(text.split()))
    if match is None:
        raise CompactFormatError(f"{text!r} is not a number (e.g. 2,500 or 1.2 billion)")
    try:
        number = Decimal(match.group(1).replace(",", ""))
    except InvalidOperation:
        raise CompactFormatError(f"{text!r} is not a number") from None
    if match.group(2):
        number *= _SCALES[match.group(2)]
    return float(number)


def parse_measure(text: str) -> tuple[float, str | None]:
    """A number, or a number with its unit (`1.8 GW` -> 1.8, `GW`)."""
    text = " ".join(text.split())
    match = None if _NUMBER.match(text) else _MEASURE.match(text)
    if match is None:
        return parse_number(text), None
    return parse_number(match.group(1)), match.group(4)


def _money_text(amount: float, currency: str, article_text: str) -> str:
    """Money as `AMOUNT CUR`, in crore or lakh when the article writes that amount so."""
    for word in ("crore", "lakh"):
        for match in re.finditer(rf"(\d[\d,]*(?:\.\d+)?) {word}\b", article_text):
            if Decimal(match.group(1).replace(",", "")) * _SCALES[word] == Decimal(repr(amount)):
                return f"{_plain(Decimal(match.group(1).replace(',', '')))} {word} {currency}"
    return f"{format_number(amount)} {currency}"


# --- evidence -----------------------------------------------------------------------------


def _sentence_at(sentences: Sequence[Sentence], offset: int) -> Sentence | None:
    for sentence in sentences:
        if sentence.start <= offset < sentence.end:
            return sentence
    return None


def _evidence_text(
    evidence: str | None, article: Article, sentences: Sequence[Sentence], exact: bool
) -> str:
    if evidence is None:
        return "-"
    start = article.text.find(evidence, article.body_start)
    first = _sentence_at(sentences, start) if start >= 0 and evidence else None
    last = _sentence_at(sentences, start + len(evidence) - 1) if first else None
    if first is None or last is None:
        return _escape_quoted(evidence)
    end = start + len(evidence)
    if not exact or (first.start == start and last.end == end):
        return f"s{first.number}" if first is last else f"s{first.number}-{last.number}"
    if first is last:
        return f"s{first.number}:{start - first.start}-{end - first.start}"
    return _escape_quoted(evidence)


def _escape_quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _read_evidence(
    raw: str, article: Article, sentences: Sequence[Sentence]
) -> tuple[str, Span | None] | None:
    if raw == "-":
        return None
    if raw.startswith('"'):
        text = _unescape(raw)
        found = article.text.find(text) if text else -1
        return text, Span(start=found, end=found + len(text)) if found >= 0 else None
    match = _EVIDENCE.match(raw)
    if match is None:
        raise CompactFormatError(f"evidence {raw!r} is not s<N>, s<N>-<M>, s<N>:<A>-<B> or quoted")
    first, last, begin, end = match.groups()

    def sentence(number: str) -> Sentence:
        index = int(number)
        if not 1 <= index <= len(sentences):
            raise CompactFormatError(
                f"evidence {raw!r}: the article has {len(sentences)} sentences"
            )
        return sentences[index - 1]

    head = sentence(first)
    if begin is not None:
        a, b = int(begin), int(end)
        if not 0 <= a < b <= head.end - head.start:
            raise CompactFormatError(f"evidence {raw!r}: characters outside sentence {first}")
        span = Span(start=head.start + a, end=head.start + b)
    else:
        tail = sentence(last) if last is not None else head
        if tail.number < head.number:
            raise CompactFormatError(f"evidence {raw!r}: sentences out of order")
        span = Span(start=head.start, end=tail.end)
    return article.text[span.start : span.end], span


# --- events -------------------------------------------------------------------------------


def encode(events: Sequence[EventBase], article: Article, *, exact_evidence: bool = True) -> str:
    """Write events in the compact format.

    With `exact_evidence` the evidence keeps its exact characters (a clause of a
    sentence becomes `s3:10-52`); without, it is widened to whole sentences
    (`s3`), which is what a model is trained to write.
    """
    if not events:
        return NO_EVENTS
    sentences = split_sentences(article)
    lines: list[str] = []
    for event in events:
        data = event.model_dump(exclude={"evidence_span"})
        evidence: str | None = data.pop("evidence")
        lines.append(
            " ".join(
                (
                    TYPE_CODES[data.pop("type")],
                    data.pop("status"),
                    data.pop("date") or "-",
                    _evidence_text(evidence, article, sentences, exact_evidence),
                )
            )
        )
        location = data.pop("location")
        if location is not None:
            lines.append(f"loc {_escape(location)}")
        for participant in data.pop("participants"):
            lines.append(_participant_line(participant))
        for field, (key, kind) in _FIELDS.items():
            value = data.pop(field, None)
            if value is None or value == []:
                continue
            if kind == "list":
                lines.append(f"{key} " + "; ".join(_escape(item, ";") for item in value))
            elif kind == "number":
                lines.append(f"{key} {format_number(value)}")
            elif kind == "money":
                lines.append(
                    f"{key} {_money_text(value['amount'], value['currency'], article.text)}"
                )
            else:
                lines.append(f"{key} {_escape(value)}")
        if data:
            raise ValueError(f"compact format has no line for {sorted(data)}")
    return "\n".join(lines)


def _participant_line(participant: dict[str, Any]) -> str:
    parts = [_escape(participant["name"], "|;")]
    extras = [participant["title"], participant["affiliation"]]
    while extras and extras[-1] is None:
        extras.pop()
    parts += ["" if extra is None else _escape(extra, "|;") for extra in extras]
    return f"{_KEY_BY_KIND[participant['kind']]} " + " | ".join(parts)


def speaks_compact(text: str) -> bool:
    """Whether an answer has at least one event header line or is `none`."""
    lines = [line.strip() for line in text.strip().splitlines()]
    return lines[:1] == [NO_EVENTS] or any(_is_header(line) for line in lines)


def _is_header(line: str) -> bool:
    """Whether a stripped answer line starts an event (`<type> <status> ...`)."""
    return line.split(" ", 1)[0] in _TYPES_BY_CODE


def without_last_event(text: str) -> str:
    """A cut-off answer up to its last event header: that event may be cut anywhere."""
    lines = text.splitlines()
    headers = [i for i, line in enumerate(lines) if _is_header(line.strip())]
    return "\n".join(lines[: headers[-1]]) if headers else ""


def decode(text: str, article: Article) -> list[Event]:
    """Read a compact answer into validated events, with evidence offsets filled in.

    Raises `CompactFormatError` naming the first line that cannot be read.
    """
    events: list[Event] = []
    for outcome in decode_each(text, article):
        if isinstance(outcome, CompactFormatError):
            raise outcome
        events.append(outcome)
    return events


def decode_each(
    text: str, article: Article, sentences: Sequence[Sentence] | None = None
) -> list[Event | CompactFormatError]:
    """Read every event of a compact answer on its own: the event, or why it cannot be read.

    Lines before the first event header are one error of their own. `sentences` are the
    article's, when the caller has split it already.
    """
    sentences = split_sentences(article) if sentences is None else sentences
    lines = [line.strip() for line in text.strip().splitlines()]
    lines = [line for line in lines if line]
    if lines == [NO_EVENTS] or not lines:
        return []
    outcomes: list[Event | CompactFormatError] = []
    blocks: list[tuple[int, list[str]]] = []
    for number, line in enumerate(lines, 1):
        if _is_header(line):
            blocks.append((number, [line]))
        elif not blocks:
            if not outcomes:
                outcomes.append(
                    CompactFormatError(
                        f"line {number}: {line[:60]!r} comes before any event header"
                    )
                )
        else:
            blocks[-1][1].append(line)
    for number, block in blocks:
        try:
            outcomes.append(_decode_event(number, block, article, sentences))
        except CompactFormatError as exc:
            outcomes.append(exc)
    return outcomes


def _decode_event(
    number: int, block: list[str], article: Article, sentences: Sequence[Sentence]
) -> Event:
    header = block[0].split(" ", 3)
    if len(header) != 4:
        raise CompactFormatError(f"line {number}: header needs <type> <status> <date> <evidence>")
    code, status, date, raw_evidence = header
    data: dict[str, Any] = {
        "type": _TYPES_BY_CODE[code],
        "status": status,
        "date": None if date == "-" else date,
        "participants": [],
    }
    try:
        evidence = _read_evidence(raw_evidence.strip(), article, sentences)
        span = None
        if evidence is not None:
            data["evidence"], span = evidence
        stated_unit: str | None = None
        unread: list[str] = []
        for offset, line in enumerate(block[1:], 1):
            key, _, value = line.partition(" ")
            try:
                unit = _read_field(data, key, value, number + offset)
            except CompactFormatError as exc:
                if _FIELD_BY_KEY.get(key, (None,))[0] in _REQUIRED[data["type"]]:
                    raise
                unread.append(str(exc))  # an optional slot: left empty, the event kept
                continue
            stated_unit = stated_unit or unit
        if stated_unit is not None and "unit" in _FIELDS_OF_TYPE[data["type"]]:
            data.setdefault("unit", stated_unit)
        event = _validated(data, unread)
        if unread:
            log.warning(
                "event at line %d: unreadable slots left empty: %s", number, "; ".join(unread)
            )
    except CompactFormatError as exc:
        raise CompactFormatError(f"event at line {number}: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{_line_key(e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        raise CompactFormatError(f"event at line {number}: {problems}") from None
    event.evidence_span = span
    return event


def _validated(data: dict[str, Any], unread: list[str]) -> Event:
    """The event; an optional slot that fails its schema is left empty and noted in `unread`."""
    try:
        return event_adapter.validate_python(data)
    except ValidationError as exc:
        optional = {
            str(error["loc"][1])
            for error in exc.errors()
            if len(error["loc"]) > 1 and str(error["loc"][1]) not in _REQUIRED[data["type"]]
        }
        if not optional or optional & {"type", "participants"}:
            raise
        for field in sorted(optional):
            unread.append(f"{_line_key((field,))}: {data.pop(field)!r} does not fit the schema")
        return event_adapter.validate_python(data)


def _line_key(location: tuple[int | str, ...]) -> str:
    """A validation error's place, named by the compact line key (`stage`, not `milestone`)."""
    names = [str(part) for part in location]
    if names and names[0] in _FIELDS:
        names[0] = _FIELDS[names[0]][0]
    elif names and names[0] == "location":
        names[0] = "loc"
    return ".".join(names) or "event"


def _read_field(data: dict[str, Any], key: str, value: str, number: int) -> str | None:
    """Read one field line into `data`; returns a unit written after a number, if any."""
    if key in _PARTICIPANT_KEYS:
        for entry in _split_unescaped(value, ";"):
            data["participants"].append(_read_participant(key, entry, number))
        return None
    if key == "loc":
        field, kind = "location", "text"
    elif key in _FIELD_BY_KEY:
        field, kind = _FIELD_BY_KEY[key]
    else:
        raise CompactFormatError(f"line {number}: unknown key {key!r}")
    if field not in _FIELDS_OF_TYPE[data["type"]]:
        return None
    if kind == "list":
        data.setdefault(field, []).extend(_unescape(item) for item in _split_unescaped(value, ";"))
    elif field in data:
        return None
    elif kind == "number":
        data[field], unit = parse_measure(value)
        return unit
    elif kind == "money":
        data[field] = _read_money(value)
    else:
        data[field] = _unescape(value)
    return None


def _read_money(value: str) -> dict[str, Any]:
    """`650 million USD`, or the article's own `A$250 million` / `$1.2 billion`."""
    value = " ".join(value.split())
    symbol_first = _SYMBOL_FIRST.match(value)
    if symbol_first:
        symbol, amount = symbol_first.groups()
        return {"amount": parse_number(amount), "currency": _CURRENCY_SYMBOLS.get(symbol, "USD")}
    amount, _, currency = value.rpartition(" ")
    return {"amount": parse_number(amount), "currency": _CURRENCY_SYMBOLS.get(currency, currency)}


def _read_participant(key: str, entry: str, number: int) -> dict[str, Any]:
    parts = [None if raw.strip() == "" else _unescape(raw) for raw in _split_unescaped(entry, "|")]
    if len(parts) > 3:
        raise CompactFormatError(f"line {number}: a participant has at most 3 parts")
    name, title, affiliation = [*parts, None, None][:3]
    return {
        "name": name,
        "kind": _PARTICIPANT_KEYS[key],
        "title": title,
        "affiliation": affiliation,
    }
