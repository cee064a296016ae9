"""The scorer against numbers computed by hand from the events-v1 rules.

Slot counting (see evals/extractor_evals/slots.py): a scalar slot counts when either side
has a value; equal is TP, different is FP + FN, one-sided is FP or FN. Participant names,
topics and areas are fuzzy sets paired one-to-one. Unpaired events miss all their slots.
"""

from __future__ import annotations

from typing import Any

import pytest
from extractor_evals.metrics import Counts
from extractor_evals.names import NameMatcher
from extractor_evals.scoring import score_events
from extractor_schemas import event_adapter

MATCHER = NameMatcher([["KMG", "KazMunayGas"]])


def person(name: str) -> dict[str, Any]:
    return {"name": name, "kind": "person", "title": None, "affiliation": None}


def org(name: str) -> dict[str, Any]:
    return {"name": name, "kind": "organization", "title": None, "affiliation": None}


# 7 slots: status, date, location, 2 participants, 2 topics.
MEETING = {
    "type": "meeting",
    "status": "occurred",
    "date": "2024-05",
    "location": "Astana",
    "participants": [person("Xi Guohua"), org("KazMunayGas")],
    "evidence": "Xi Guohua met KazMunayGas managers in Astana in May.",
    "topics": ["oil refining", "gas supply"],
}
# 7 slots: status, location, 2 participants, agreement_kind, subject, value (date is null).
AGREEMENT = {
    "type": "agreement",
    "status": "occurred",
    "date": None,
    "location": "Astana",
    "participants": [org("KazMunayGas"), org("CITIC Group")],
    "evidence": "KazMunayGas and CITIC Group signed a memorandum.",
    "agreement_kind": "memorandum of understanding",
    "subject": "bitumen plant",
    "value": {"amount": 1_200_000_000, "currency": "USD"},
}
# 7 slots: status, date, 1 participant, facility, from_value, to_value, unit.
CAPACITY = {
    "type": "capacity_change",
    "status": "planned",
    "date": "2026",
    "location": None,
    "participants": [org("Aktau Bitumen Plant LLP")],
    "evidence": "The plant will grow from 400,000 to 1.5 million tons a year in 2026.",
    "facility": "Aktau Bitumen Plant",
    "from_value": 400_000,
    "to_value": 1_500_000,
    "unit": "tons of bitumen per year",
}


def events(*raw: dict[str, Any], **changes: Any) -> list[Any]:
    return [event_adapter.validate_python({**item, **changes}) for item in raw]


def totals(predicted: list[Any], gold: list[Any]) -> tuple[Counts, Counts]:
    per_type, _, _, _ = score_events(predicted, gold, MATCHER)
    event_counts = sum((t.events for t in per_type.values()), Counts())
    slot_counts = sum((t.slots for t in per_type.values()), Counts())
    return event_counts, slot_counts


def test_perfect() -> None:
    gold = events(MEETING, AGREEMENT, CAPACITY)
    assert totals(events(MEETING, AGREEMENT, CAPACITY), gold) == (
        Counts(tp=3),
        Counts(tp=7 + 7 + 7),
    )


def test_empty_prediction_misses_everything() -> None:
    event_counts, slot_counts = totals([], events(MEETING, AGREEMENT))
    assert event_counts == Counts(fn=2)
    assert slot_counts == Counts(fn=14)
    assert (event_counts.precision, event_counts.recall, event_counts.f1) == (1.0, 0.0, 0.0)


def test_extra_event_is_a_false_positive() -> None:
    event_counts, slot_counts = totals(events(MEETING, AGREEMENT), events(MEETING))
    assert event_counts == Counts(tp=1, fp=1)
    assert slot_counts == Counts(tp=7, fp=7)
    assert event_counts.precision == 0.5 and event_counts.recall == 1.0
    assert event_counts.f1 == pytest.approx(2 / 3)


def test_missing_event_is_a_false_negative() -> None:
    event_counts, slot_counts = totals(events(MEETING), events(MEETING, CAPACITY))
    assert event_counts == Counts(tp=1, fn=1)
    assert slot_counts == Counts(tp=7, fn=7)


def test_wrong_type_pairs_nothing() -> None:
    predicted = [
        event_adapter.validate_python(
            {
                "type": "investment",
                "status": "occurred",
                "date": None,
                "location": "Astana",
                "participants": [org("KazMunayGas"), org("CITIC Group")],
                "evidence": "KazMunayGas and CITIC Group signed a memorandum.",
                "investor": "CITIC Group",
                "target": None,
                "value": {"amount": 1_200_000_000, "currency": "USD"},
            }
        )
    ]
    event_counts, slot_counts = totals(predicted, events(AGREEMENT))
    assert event_counts == Counts(fp=1, fn=1)
    # investment fills status, location, 2 participants, investor, value = 6.
    assert slot_counts == Counts(fp=6, fn=7)


def test_partial_slots() -> None:
    predicted = events(MEETING, date="2024-06", location=None, topics=["oil refining"])
    event_counts, slot_counts = totals(predicted, events(MEETING))
    assert event_counts == Counts(tp=1)
    # status TP; date FP+FN; location FN; 2 participants TP; topics 1 TP 1 FN.
    assert slot_counts == Counts(tp=4, fp=1, fn=3)
    assert slot_counts.precision == pytest.approx(0.8)
    assert slot_counts.recall == pytest.approx(4 / 7)
    assert slot_counts.f1 == pytest.approx(8 / 12)


def test_numbers_within_one_percent_and_money_currency() -> None:
    predicted = events(CAPACITY, to_value=1_510_000, from_value=410_000)
    _, slot_counts = totals(predicted, events(CAPACITY))
    # to_value off by 0.67% matches; from_value off by 2.5% does not.
    assert slot_counts == Counts(tp=6, fp=1, fn=1)
    wrong_currency = events(AGREEMENT, value={"amount": 1_200_000_000, "currency": "EUR"})
    _, slot_counts = totals(wrong_currency, events(AGREEMENT))
    assert slot_counts == Counts(tp=6, fp=1, fn=1)


def test_aliases_and_typos_still_pair() -> None:
    predicted = events(
        MEETING, participants=[person("Xi Gohua"), org("KMG")], location="Astana city"
    )
    event_counts, slot_counts = totals(predicted, events(MEETING))
    assert event_counts == Counts(tp=1)
    # both names match (typo, alias); "Astana city" is not "Astana" at ratio 85.
    assert slot_counts == Counts(tp=6, fp=1, fn=1)
    assert MATCHER.same_name("Xi Gohua", "Xi Guohua")
    assert MATCHER.same_name("KMG", "KazMunayGas")
    assert MATCHER.same_name("CNOOC Limited", "CNOOC")
    assert not MATCHER.same_name("CNOOC", "CITIC")


def test_no_shared_name_means_no_pair() -> None:
    predicted = events(MEETING, participants=[person("Someone Else")])
    event_counts, slot_counts = totals(predicted, events(MEETING))
    assert event_counts == Counts(fp=1, fn=1)
    assert slot_counts == Counts(fp=6, fn=7)


def test_two_events_of_one_type_swapped_in_order() -> None:
    other = {
        **MEETING,
        "date": "2024-07",
        "location": "Beijing",
        "participants": [person("Wang Dongjin"), org("CNOOC")],
        "topics": ["offshore exploration"],
    }
    gold = events(MEETING, other)
    event_counts, slot_counts = totals(events(other, MEETING), gold)
    assert event_counts == Counts(tp=2)
    assert slot_counts == Counts(tp=7 + 6)
