"""The HTML report: highlighted evidence, the per-type chart, escaping, nothing fetched."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from extractor_evals.dataset import Dataset, load_dataset
from extractor_evals.highlight import Mark, runs
from extractor_evals.html import render_html
from extractor_evals.names import NameMatcher
from extractor_evals.predictions import Prediction
from extractor_evals.report import Report
from extractor_evals.scoring import score_dataset
from extractor_schemas import EVENT_TYPES, ExtractionFailure, ExtractionResult, event_adapter

from extractor.checks.grounding import ArticleIndex
from tests.conftest import SEEDS

SCORED = "101_kenya_geothermal_expansion"  # gold with a date changed, an event dropped, one added
FAILED = "102_chile_lithium_expansion"  # its prediction is a failure record
HOSTILE = "\n\nNote: Smith & Sons <script>alert('x')</script> said.\n"
ERROR = "timeout <after 3 tries> & gave up"
INVENTED = "is 70% owned by the Kenyan government"


class ArticleTexts(HTMLParser):
    """Each article's text as the page shows it, with the highlight sides of every character."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chars: dict[str, list[tuple[str, frozenset[str]]]] = {}
        self._article = ""
        self._in_text = False
        self._in_tag = 0
        self._sides: frozenset[str] = frozenset()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "details":
            self._article = attributes["id"] or ""
        elif tag == "div" and attributes.get("class") == "text":
            self._in_text = True
            self.chars[self._article] = []
        elif self._in_text and tag == "a":
            self._in_tag += 1  # the P1/G1 event numbers are not article text
        elif self._in_text and tag == "mark":
            self._sides = frozenset((attributes["class"] or "").split())

    def handle_endtag(self, tag: str) -> None:
        if not self._in_text:
            return
        if tag == "div":
            self._in_text = False
        elif tag == "a":
            self._in_tag -= 1
        elif tag == "mark":
            self._sides = frozenset()

    def handle_data(self, data: str) -> None:
        if self._in_text and not self._in_tag:
            self.chars[self._article] += [(char, self._sides) for char in data]

    def text(self, article_id: str) -> str:
        return "".join(char for char, _ in self.chars[article_id])

    def sides(self, article_id: str, start: int, end: int) -> list[frozenset[str]]:
        return [sides for _, sides in self.chars[article_id][start:end]]


class Attributes(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    for article_id in (SCORED, FAILED):
        for suffix in (".txt", ".gold.json"):
            shutil.copy(SEEDS / f"{article_id}{suffix}", tmp_path / f"{article_id}{suffix}")
    scored = tmp_path / f"{SCORED}.txt"
    scored.write_text(scored.read_text(encoding="utf-8") + HOSTILE, encoding="utf-8")
    return load_dataset(tmp_path)


def _predictions(dataset: Dataset) -> dict[str, Prediction]:
    gold = next(item.gold for item in dataset.items if item.article.id == SCORED)
    events = [event_adapter.validate_python(e.model_dump()) for e in gold.events]
    events[0].date = "2024-06-13"  # gold: 2024-06-12
    del events[5]  # the cooperation_intent: a miss
    invented = {"type": "investment", "evidence": INVENTED, "status": "occurred", "target": "X"}
    events.append(event_adapter.validate_python(invented))  # no gold investment: a false positive
    return {
        SCORED: ExtractionResult(
            article_id=SCORED,
            events=events,
            model="gold-edited",
            prompt_version="test",
            attempts=1,
            requests=1,
            latency_s=1.5,
        ),
        FAILED: ExtractionFailure(article_id=FAILED, error_class="ExtractionError", message=ERROR),
    }


@pytest.fixture
def report(dataset: Dataset) -> Report:
    matcher = NameMatcher.from_files(dataset.alias_file)
    return score_dataset(dataset, _predictions(dataset), matcher, predictions_source="test.jsonl")


@pytest.fixture
def page(report: Report, dataset: Dataset) -> str:
    return render_html(report, dataset)


def test_article_text_round_trips_with_evidence_highlighted(
    page: str, report: Report, dataset: Dataset
) -> None:
    parsed = ArticleTexts()
    parsed.feed(page)
    articles = {item.article.id: item for item in dataset.items}
    for article_id, item in articles.items():
        assert parsed.text(article_id) == item.article.text
    item = articles[SCORED]
    index = ArticleIndex(item.article.text, item.article.body_start)
    score = next(a for a in report.articles if a.article_id == SCORED)
    for side, events in (("gold", score.gold), ("pred", score.predicted)):
        for event in events:
            span = index.locate(event["evidence"])
            assert span is not None
            assert all(side in s for s in parsed.sides(SCORED, span.start, span.end))
    dropped = index.locate(score.gold[5]["evidence"])
    assert dropped is not None
    assert all(s == {"gold"} for s in parsed.sides(SCORED, dropped.start, dropped.end))
    invented = index.locate(INVENTED)
    assert invented is not None
    assert all(s == {"pred"} for s in parsed.sides(SCORED, invented.start, invented.end))
    assert all("pred" not in s for _, s in parsed.chars[FAILED])
    assert any("gold" in s for _, s in parsed.chars[FAILED])


def test_pairs_misses_and_false_positives_are_marked(page: str, dataset: Dataset) -> None:
    date_row = re.compile(
        r'<td class="name">date</td>\s*<td>2024-06-13</td>\s*<td>2024-06-12</td>\s*'
        r'<td class="match bad">✗ FP FN</td>'
    )
    assert len(date_row.findall(page)) == 1
    failed_gold = next(item.gold for item in dataset.items if item.article.id == FAILED)
    assert page.count("miss: no prediction pairs with it") == 1 + len(failed_gold.events)
    assert page.count("false positive: no gold event pairs with it") == 1
    assert page.index(f'id="{FAILED}"') < page.index(f'id="{SCORED}"')  # failures first


def test_chart_has_a_labelled_bar_per_type(page: str, report: Report) -> None:
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg is not None
    assert len(re.findall(r'<rect class="bar ', svg.group())) == len(EVENT_TYPES) == 6
    for event_type in EVENT_TYPES:
        assert f">{event_type}</text>" in svg.group()
        counts = report.summary.per_type[event_type].events
        if counts.tp + counts.fp + counts.fn:
            assert f">{counts.f1:.2f}</tspan>" in svg.group()


def test_nothing_is_fetched_and_article_text_is_escaped(page: str) -> None:
    tags = Attributes()
    tags.feed(page)
    for tag, attributes in tags.tags:
        assert tag != "link"
        if tag != "a":
            assert not any("://" in (value or "") for value in attributes.values()), tag
    assert "@import" not in page
    assert "url(" not in page
    assert [tag for tag, _ in tags.tags].count("script") == 1
    assert all("src" not in attributes for _, attributes in tags.tags)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page
    assert "Smith &amp; Sons" in page
    assert "timeout &lt;after 3 tries&gt; &amp; gave up" in page


def test_runs_split_overlapping_marks_at_every_edge() -> None:
    pred, gold = Mark(1, 4, "pred", "P1"), Mark(3, 9, "gold", "G1")
    found = runs("abcdef", [pred, gold])
    assert [(r.text, r.sides, [m.label for m in r.starting]) for r in found] == [
        ("a", (), []),
        ("bc", ("pred",), ["P1"]),
        ("d", ("pred", "gold"), ["G1"]),
        ("ef", ("gold",), []),  # the gold mark is clipped at the end of the text
    ]
    assert "".join(r.text for r in runs("abc", [Mark(2, 2, "pred", "P1")])) == "abc"
