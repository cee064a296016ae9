"""Every gold file is valid against the schemas and its evidence is in its article."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from extractor_evals.validate import validate_dataset, validate_gold_file

from tests.conftest import ROOT, SEEDS

GOLD_FILES = sorted(SEEDS.glob("*.gold.json"))
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"


def test_every_seed_article_has_a_gold_file() -> None:
    articles = {p.stem for p in SEEDS.glob("*.txt")}
    golds = {p.name.removesuffix(".gold.json") for p in GOLD_FILES}
    assert articles == golds
    assert len(articles) >= 42


@pytest.mark.parametrize("gold_path", GOLD_FILES, ids=lambda p: p.name)
def test_gold_file(gold_path: Path) -> None:
    assert [str(p) for p in validate_gold_file(gold_path)] == []


def test_validator_reports_a_broken_gold_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(" date 2024-01-02 Acme met Beta.", encoding="utf-8")
    (tmp_path / "a.gold.json").write_text(
        '{"article_id": "a", "published": "2024-01-03", "events": ['
        '{"type": "meeting", "status": "occurred", "date": "2024-13", "evidence": "x"},'
        '{"type": "meeting", "status": "occurred", "evidence": "Acme met Gamma."}]}',
        encoding="utf-8",
    )
    (tmp_path / "b.txt").write_text("No gold.", encoding="utf-8")
    checked, problems = validate_dataset(tmp_path)
    messages = " | ".join(str(p) for p in problems)
    assert checked == 1
    assert "b.txt: has no gold file" in messages
    assert "events.0.meeting.date" in messages  # schema errors are reported first, alone
    (tmp_path / "a.gold.json").write_text(
        '{"article_id": "a", "published": "2024-01-03", "events": ['
        '{"type": "meeting", "status": "occurred", "evidence": "Acme met Gamma."}]}',
        encoding="utf-8",
    )
    messages = " | ".join(str(p) for p in validate_dataset(tmp_path)[1])
    assert "published 2024-01-03 != article date 2024-01-02" in messages
    assert "events[0].evidence is not in the article" in messages


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="shared/ is not beside this checkout")
def test_original_seeds_are_unchanged() -> None:
    for original in SHARED_SEEDS.glob("*.txt"):
        copy = SEEDS / original.name
        digest = hashlib.sha256
        assert digest(copy.read_bytes()).digest() == digest(original.read_bytes()).digest()
