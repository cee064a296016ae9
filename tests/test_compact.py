"""The compact answer format: lossless on every gold file, strict on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from extractor_schemas import Article, GoldAnswer, event_adapter

from extractor import parse_article, read_article_file
from extractor.formats.compact.codec import (
    NO_EVENTS,
    CompactFormatError,
    decode,
    encode,
    format_number,
    parse_number,
)
from extractor.formats.compact.prompt import compact_messages
from extractor.text.sentences import numbered_body, split_sentences
from tests.conftest import ROOT, SEEDS

GOLD_FILES = sorted(SEEDS.glob("*.gold.json")) + sorted(
    (ROOT / "training" / "articles").glob("*.gold.json")
)


def _load(gold_path: Path) -> tuple[Article, GoldAnswer]:
    article = read_article_file(
        gold_path.with_name(gold_path.name.removesuffix(".gold.json") + ".txt")
    )
    return article, GoldAnswer.model_validate_json(gold_path.read_text(encoding="utf-8"))


def _dump(events: list) -> list[dict]:  # type: ignore[type-arg]
    return [e.model_dump(exclude={"evidence_span"}) for e in events]


@pytest.mark.parametrize("gold_path", GOLD_FILES, ids=lambda p: p.name.removesuffix(".gold.json"))
def test_every_gold_file_round_trips(gold_path: Path) -> None:
    article, gold = _load(gold_path)
    text = encode(gold.events, article)
    decoded = decode(text, article)
    assert _dump(decoded) == _dump(gold.events)
    for event in decoded:
        assert event.evidence_span is not None
        assert article.text[event.evidence_span.start : event.evidence_span.end] == event.evidence


def test_there_are_gold_files_to_round_trip() -> None:
    assert len(GOLD_FILES) >= 200


@pytest.mark.parametrize(
    "gold_path", GOLD_FILES[::7], ids=lambda p: p.name.removesuffix(".gold.json")
)
def test_training_answers_widen_evidence_to_its_sentence(gold_path: Path) -> None:
    article, gold = _load(gold_path)
    decoded = decode(encode(gold.events, article, exact_evidence=False), article)
    sentences = split_sentences(article)
    for original, widened in zip(gold.events, decoded, strict=True):
        assert original.evidence is not None and original.evidence in widened.evidence
        assert widened.evidence_span is not None
        assert any(s.start == widened.evidence_span.start for s in sentences)
        assert any(s.end == widened.evidence_span.end for s in sentences)
        rest = {"evidence", "evidence_span"}
        assert widened.model_dump(exclude=rest) == original.model_dump(exclude=rest)


ARTICLE = parse_article(
    " date 2025-05-27 ASTANA, May 27. Acme Corp. signed a deal with Beta Ltd. in Astana. "
    'The deal is worth $1.2 billion, it said.\n"We are glad," Mr. Smith said.',
    "a",
)


def test_sentences_do_not_break_after_abbreviations() -> None:
    lines = numbered_body(ARTICLE).splitlines()
    assert lines == [
        "[1] ASTANA, May 27.",
        "[2] Acme Corp. signed a deal with Beta Ltd. in Astana.",
        "[3] The deal is worth $1.2 billion, it said.",
        '[4] "We are glad," Mr. Smith said.',
    ]


def test_a_worked_example() -> None:
    answer = (
        "agreement occurred 2025-05-27 s2\n"
        "loc Astana\n"
        "org Acme Corp.\n"
        "org Beta Ltd.\n"
        "person John Smith | Chief Executive | Acme Corp.\n"
        "kind deal\n"
        "value 1.2 billion USD\n"
    )
    (event,) = decode(answer, ARTICLE)
    assert event.model_dump(exclude={"evidence_span"}) == event_adapter.validate_python(
        {
            "type": "agreement",
            "status": "occurred",
            "date": "2025-05-27",
            "location": "Astana",
            "participants": [
                {"name": "Acme Corp.", "kind": "organization"},
                {"name": "Beta Ltd.", "kind": "organization"},
                {
                    "name": "John Smith",
                    "kind": "person",
                    "title": "Chief Executive",
                    "affiliation": "Acme Corp.",
                },
            ],
            "evidence": "Acme Corp. signed a deal with Beta Ltd. in Astana.",
            "agreement_kind": "deal",
            "value": {"amount": 1_200_000_000, "currency": "USD"},
        }
    ).model_dump(exclude={"evidence_span"})
    assert encode([event], ARTICLE) == answer.strip()


def test_awkward_values_round_trip() -> None:
    event = event_adapter.validate_python(
        {
            "type": "cooperation_intent",
            "status": "planned",
            "evidence": "The deal is worth $1.2 billion",
            "location": " padded ",
            "participants": [
                {"name": "A | B; C", "kind": "person", "title": "", "affiliation": "back\\slash"},
                {"name": '"Quoted"', "kind": "organization", "title": "x|y"},
            ],
            "areas": ["one; two", "", "line\nbreak", " lead"],
        }
    )
    text = encode([event], ARTICLE)
    assert len(text.splitlines()) == 5  # header, loc, two participants, areas
    assert _dump(decode(text, ARTICLE)) == _dump([event])


def test_evidence_outside_one_sentence_is_quoted() -> None:
    event = event_adapter.validate_python(
        {"type": "meeting", "status": "occurred", "evidence": "in Astana. The deal"}
    )
    text = encode([event], ARTICLE)
    assert text.splitlines()[0] == 'meeting occurred - "in Astana. The deal"'
    assert decode(text, ARTICLE)[0].evidence == "in Astana. The deal"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (650_000_000, "650 million"),
        (1_200_000_000, "1.2 billion"),
        (1_234_567, "1,234,567"),
        (2500, "2,500"),
        (0.6, "0.6"),
        (-3.5, "-3.5"),
        (1.5e12, "1.5 trillion"),
    ],
)
def test_numbers(value: float, written: str) -> None:
    assert format_number(value) == written
    assert parse_number(written) == value


def test_numbers_as_articles_write_them() -> None:
    assert parse_number("4,200 crore") == 42_000_000_000
    assert parse_number("2 lakh") == 200_000


def test_no_events() -> None:
    assert encode([], ARTICLE) == NO_EVENTS
    assert decode("none\n", ARTICLE) == []
    assert decode("", ARTICLE) == []


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("loc Astana", "line 1: 'loc Astana' comes before any event header"),
        ("meeting occurred 2025", "header needs <type> <status> <date> <evidence>"),
        ("meeting occurred - s9", "the article has 4 sentences"),
        ("meeting occurred - s2:5-500", "characters outside sentence 2"),
        ("meeting occurred - x2", "is not s<N>"),
        ("meeting maybe - s2", "status"),
        ("capacity occurred - s2\nto 5", "facility"),
        ("milestone occurred - s2\nproject X\nstage begun", "stage: Input should be"),
        ("meeting occurred - -", "evidence"),
    ],
)
def test_bad_answers_fail_with_the_line(answer: str, message: str) -> None:
    with pytest.raises(CompactFormatError) as caught:
        decode(answer, ARTICLE)
    assert message in str(caught.value)


def _read_one(answer: str) -> dict[str, object]:
    (event,) = decode(answer, ARTICLE)
    return event.model_dump(exclude={"evidence", "evidence_span"}, exclude_none=True)


def test_a_number_with_its_unit_gives_the_unit_when_no_unit_line_does() -> None:
    event = _read_one("capacity planned - s2\nfacility plant\nfrom 48 MW\nto 120 MW of IT load")
    assert (event["from_value"], event["to_value"], event["unit"]) == (48, 120, "MW")
    event = _read_one("capacity planned - s2\nfacility plant\nfrom 25%\nto 1.2 million\nunit t")
    assert (event["from_value"], event["to_value"], event["unit"]) == (25, 1_200_000, "t")


def test_several_participants_on_one_line() -> None:
    event = _read_one("meeting occurred - s2\nperson A Smith | Minister; B Jones | Envoy | Beta")
    assert [(p["name"], p.get("title"), p.get("affiliation")) for p in event["participants"]] == [
        ("A Smith", "Minister", None),
        ("B Jones", "Envoy", "Beta"),
    ]


def test_fields_of_another_type_and_repeated_lines() -> None:
    event = _read_one(
        "agreement occurred - s2\nloc Astana\nloc Almaty\ntopics trade\nkind deal\nkind memo"
    )
    assert (event["location"], event["agreement_kind"]) == ("Astana", "deal")
    assert "topics" not in event
    event = _read_one("meeting occurred - s2\ntopics trade; oil\ntopics gas")
    assert event["topics"] == ["trade", "oil", "gas"]


@pytest.mark.parametrize(("symbol", "code"), [("R$", "BRL"), ("€", "EUR"), ("₹", "INR")])
def test_currency_symbols_with_one_meaning(symbol: str, code: str) -> None:
    event = _read_one(f"investment occurred - s3\nvalue 1.2 billion {symbol}")
    assert event["value"] == {"amount": 1_200_000_000, "currency": code}


@pytest.mark.parametrize(
    ("written", "amount", "code"),
    [
        ("A$250 million", 250e6, "AUD"),
        ("$1.2 billion", 1.2e9, "USD"),
        ("€ 450 million", 450e6, "EUR"),
    ],
)
def test_money_as_the_article_writes_it(written: str, amount: float, code: str) -> None:
    event = _read_one(f"investment occurred - s3\nvalue {written}")
    assert event["value"] == {"amount": amount, "currency": code}


def test_prompt_numbers_the_sentences() -> None:
    messages = compact_messages(ARTICLE)
    assert "compact format" in messages.system
    assert messages.user.splitlines()[:2] == ["Published: 2025-05-27", "[1] ASTANA, May 27."]


@pytest.mark.parametrize(
    ("answer", "field", "logged"),
    [
        ("meeting occurred 2025-13 s2", "date", "date"),
        ("meeting occurred - s2\ncolour red", "topics", "unknown key 'colour'"),
        ("meeting occurred - s2\nperson A | B | C | D", "participants", "at most 3 parts"),
        ("capacity occurred - s2\nfacility F\nto 5 s2", "to_value", "'5 s2' is not a number"),
        ("investment occurred - s3\nvalue lots USD", "value", "'lots' is not a number"),
        ("agreement occurred - s3\nvalue 27-year LNG supply", "value", "is not a number"),
    ],
)
def test_an_unreadable_optional_slot_is_left_empty_and_the_event_kept(
    answer: str, field: str, logged: str, caplog: pytest.LogCaptureFixture
) -> None:
    [event] = decode(answer, ARTICLE)
    assert getattr(event, field) in (None, [])
    assert logged in caplog.text
