"""Training data: valid gold, consistent augmentation, provenance, and no eval article in it."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from extractor_evals.validate import validate_dataset
from extractor_schemas import GoldAnswer
from extractor_training.augment import Augmenter
from extractor_training.cli import DEFAULT_SEED, DEFAULT_VARIANTS
from extractor_training.dedup import THRESHOLD, eval_articles, near_duplicates, same_stories
from extractor_training.examples import Example, Variant, read_examples, render_gold
from extractor_training.provenance import read_manifest, sha256

from extractor import parse_article
from extractor.formats.compact.codec import decode, encode
from tests.conftest import ROOT, SEEDS

TRAINING = ROOT / "training"
HAND = TRAINING / "articles"
MANIFEST = TRAINING / "manifest.jsonl"
REFRESH = "run `extractor augment` to regenerate training/augmented and training/manifest.jsonl"


@pytest.fixture(scope="module")
def hand() -> list[Example]:
    return list(read_examples(HAND))


@pytest.fixture(scope="module")
def variants(hand: list[Example]) -> list[Variant]:
    augmenter = Augmenter(DEFAULT_SEED)
    return [v for example in hand for v in augmenter.variants(example, DEFAULT_VARIANTS)[0]]


def _seeds() -> dict[str, str]:
    """Every eval article: the seeds and the real-news and language subsets."""
    return eval_articles(SEEDS)


def test_hand_gold_files_are_valid(hand: list[Example]) -> None:
    checked, problems = validate_dataset(HAND)
    assert [str(p) for p in problems] == []
    assert checked == len(hand) >= 100


def test_augmented_gold_files_are_valid(variants: list[Variant], tmp_path: Path) -> None:
    for variant in variants:
        variant.write(tmp_path)
    checked, problems = validate_dataset(tmp_path)
    assert [str(p) for p in problems] == []
    assert checked == len(variants)


def test_at_least_300_training_examples(hand: list[Example], variants: list[Variant]) -> None:
    assert len(hand) + len(variants) >= 300
    assert len(variants) >= 0.9 * DEFAULT_VARIANTS * len(hand)  # few draws are dropped


def test_no_training_article_is_a_near_duplicate_of_an_eval_article(
    hand: list[Example], variants: list[Variant]
) -> None:
    train = {e.id: e.text for e in [*hand, *variants]}
    assert [str(pair) for pair in near_duplicates(train, _seeds())] == []


def test_no_training_article_retells_an_eval_story(
    hand: list[Example], variants: list[Variant]
) -> None:
    train = {e.id: e.text for e in [*hand, *variants]}
    assert {"real", "lang"} <= {path.parent.name for path in SEEDS.glob("*/*.txt")}
    assert [str(pair) for pair in same_stories(train, _seeds())] == []


# The same happening as seed 004, told in other words: few shared 5-word shingles.
RETOLD_004 = (
    " date 2025-05-28\nKazakh leader Kassym-Jomart Tokayev received Xi Gohua, who chairs "
    "CITIC Group, on the sidelines of the Astana International Forum. Xi said the Chinese "
    "conglomerate wants to help rebuild the Center-West highway and upgrade refineries. "
    "Tokayev thanked the group for finishing the upgrade of the Aktau Bitumen Plant early."
)


def test_the_story_check_catches_a_retelling_that_shares_few_words() -> None:
    """Control: the shingle check misses a retelling; the names-and-figures check does not."""
    assert near_duplicates({"retold": RETOLD_004}, _seeds()) == []
    (pair,) = same_stories({"retold": RETOLD_004}, _seeds())
    assert pair.eval_id == "004_1defd1476dc2c061"
    other = (HAND / "t001_chile_desal_expansion.txt").read_text(encoding="utf-8")
    assert same_stories({"t001": other}, _seeds()) == []


def test_the_check_catches_an_edited_copy_of_an_eval_article() -> None:
    """Control: a seed article with names, numbers and dates swapped is still caught."""
    copies, _ = Augmenter(1).variants(Example.read(SEEDS / "004_1defd1476dc2c061.gold.json"), 1)
    (copy,) = copies
    assert copy.text != (SEEDS / "004_1defd1476dc2c061.txt").read_text(encoding="utf-8")
    (pair,) = near_duplicates({copy.id: copy.text}, _seeds())
    assert pair.eval_id == "004_1defd1476dc2c061" and pair.score >= THRESHOLD
    other = (HAND / "t001_chile_desal_expansion.txt").read_text(encoding="utf-8")
    assert near_duplicates({"t001": other}, _seeds()) == []


def test_compact_format_round_trips_augmented_gold(variants: list[Variant]) -> None:
    for variant in variants:
        article = parse_article(variant.text, variant.id)
        decoded = decode(encode(variant.gold.events, article), article)
        expected = [e.model_dump(exclude={"evidence_span"}) for e in variant.gold.events]
        assert [e.model_dump(exclude={"evidence_span"}) for e in decoded] == expected, variant.id


def test_manifest_records_every_example_with_its_hashes(
    hand: list[Example], variants: list[Variant]
) -> None:
    assert MANIFEST.exists(), REFRESH
    rows = read_manifest(MANIFEST)
    assert [row["id"] for row in rows] == [e.id for e in [*hand, *variants]], REFRESH
    for row, example in zip(rows, [*hand, *variants], strict=True):
        assert row["text_sha256"] == sha256(example.text), f"{example.id}: {REFRESH}"
        assert row["gold_sha256"] == sha256(example.gold_text), f"{example.id}: {REFRESH}"
        if isinstance(example, Variant):
            assert row["source"] == "augmented" and row["from"] == example.source_id
            assert row["seed"] == DEFAULT_SEED
            assert row["substitutions"] == json.loads(json.dumps(example.substitutions))
        else:
            assert row["source"] == "hand" and row["batch"] and row["author"]
            if row["batch"].startswith("real-"):  # rewritten from a public news article
                assert row["url"].startswith(("http://", "https://")), example.id


def test_augmentation_is_deterministic(hand: list[Example]) -> None:
    example = hand[0]
    first, _ = Augmenter(5).variants(example, 2)
    again, _ = Augmenter(5).variants(example, 2)
    other, _ = Augmenter(6).variants(example, 2)
    assert [v.text for v in first] == [v.text for v in again]
    assert [v.gold_text for v in first] == [v.gold_text for v in again]
    assert [v.text for v in first] != [v.text for v in other]
    assert len({v.text for v in first}) == 2


TEXT = (
    "date 2024-03-12\n"
    "ALMATY, March 12 (Wire) - Qazaq Copper Holding will invest $650 million to expand its "
    "Balkhash smelter, lifting capacity from 100,000 to 250,000 tonnes per year by 2026, Chief "
    "Executive Yerlan Dauletov said.\n\n"
    "Dauletov met the chairman of Zhongtai Metals in Almaty on Monday to discuss copper supply."
)
EVIDENCE = {
    "investment": "Qazaq Copper Holding will invest $650 million to expand its Balkhash smelter",
    "capacity": "lifting capacity from 100,000 to 250,000 tonnes per year by 2026",
    "meeting": "Dauletov met the chairman of Zhongtai Metals in Almaty on Monday",
}
PERSON = {
    "name": "Yerlan Dauletov",
    "kind": "person",
    "title": "Chief Executive",
    "affiliation": "Qazaq Copper Holding",
}
QAZAQ = {"name": "Qazaq Copper Holding", "kind": "organization"}
GOLD = {
    "article_id": "x",
    "published": "2024-03-12",
    "events": [
        {
            "type": "investment",
            "status": "planned",
            "location": "Balkhash",
            "participants": [QAZAQ],
            "evidence": EVIDENCE["investment"],
            "investor": "Qazaq Copper Holding",
            "target": "Balkhash smelter",
            "value": {"amount": 650_000_000, "currency": "USD"},
        },
        {
            "type": "capacity_change",
            "status": "planned",
            "date": "2026",
            "location": "Balkhash",
            "participants": [QAZAQ],
            "evidence": EVIDENCE["capacity"],
            "facility": "Balkhash smelter",
            "from_value": 100_000,
            "to_value": 250_000,
            "unit": "tonnes per year",
        },
        {
            "type": "meeting",
            "status": "occurred",
            "date": "2024-03-11",
            "location": "Almaty",
            "participants": [PERSON, {"name": "Zhongtai Metals", "kind": "organization"}],
            "evidence": EVIDENCE["meeting"],
            "topics": ["copper supply"],
        },
    ],
}


def _example(text: str = TEXT, gold: dict = GOLD) -> Example:  # type: ignore[type-arg]
    answer = GoldAnswer.model_validate(gold)
    return Example("x", text, answer, render_gold(answer))


def test_a_variant_changes_text_and_labels_together() -> None:
    variants, rejections = Augmenter(3).variants(_example(), 3)
    assert len(variants) == 3, rejections
    for variant in variants:
        changes = variant.substitutions
        factor, years = Decimal(changes["number_factor"]), changes["years"]
        currency = changes["currencies"].get("USD", "USD")
        for old in ("Qazaq", "Yerlan", "Dauletov", "Zhongtai", "Balkhash", "Almaty", "ALMATY"):
            assert not re.search(rf"\b{old}\b", variant.text), (old, variant.text)
        investment, capacity, meeting = variant.gold.events
        assert investment.value is not None and investment.value.currency == currency
        assert Decimal(repr(investment.value.amount)) == 650_000_000 * factor
        assert capacity.from_value == float(100_000 * factor)
        assert capacity.to_value == float(250_000 * factor)
        assert capacity.date == str(2026 + years)
        assert meeting.date == f"{2024 + years}-03-11"
        assert variant.gold.published is not None and variant.gold.published.year == 2024 + years
        assert variant.text.startswith(f"date {2024 + years}-03-12\n")
        for event in variant.gold.events:
            assert event.evidence is not None and event.evidence in variant.text
            for participant in event.participants:
                assert participant.name in variant.text
        person = meeting.participants[0]
        surname = person.name.split()[-1]
        assert variant.text.count(surname) == 2  # "Yerlan Dauletov said" and "Dauletov met"
        assert person.affiliation == investment.participants[0].name == investment.investor
        assert capacity.facility == investment.target and capacity.facility in variant.text
        assert meeting.location is not None and meeting.location.upper() in variant.text


def test_amounts_the_text_writes_in_words_are_left_alone() -> None:
    text = TEXT.replace("$650 million", "half a billion dollars")
    gold = json.loads(json.dumps(GOLD).replace("$650 million", "half a billion dollars"))
    gold["events"][0]["value"]["amount"] = 500_000_000
    variants, _ = Augmenter(3).variants(_example(text, gold), 2)
    assert variants
    for variant in variants:
        assert variant.substitutions["number_factor"] == "1"
        assert variant.substitutions["currencies"] == {}
        assert variant.gold.events[0].value is not None
        assert variant.gold.events[0].value.amount == 500_000_000
        assert "half a billion dollars" in variant.text


def test_evidence_that_cuts_a_name_is_rejected_not_written() -> None:
    gold = json.loads(json.dumps(GOLD))
    gold["events"][2]["evidence"] = "Dauletov met the chairman of Zhong"  # ends inside a name
    variants, rejections = Augmenter(3).variants(_example(TEXT, gold), 1)
    assert variants == []
    assert rejections and all("falls inside an edit" in r for r in rejections)
