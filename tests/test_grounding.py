from __future__ import annotations

import pytest
from extractor_schemas import event_adapter

from extractor.checks.grounding import ArticleIndex

TEXT = " date 2024-08-22 He said: “We highly   appreciate our partnership,” Xi Guohua noted."


def test_exact_span() -> None:
    span = ArticleIndex(TEXT).locate("Xi Guohua noted.")
    assert span is not None and TEXT[span.start : span.end] == "Xi Guohua noted."


def test_span_after_quote_and_whitespace_folding() -> None:
    span = ArticleIndex(TEXT).locate('"We highly appreciate our partnership,"')
    assert span is not None
    assert TEXT[span.start : span.end] == "We highly   appreciate our partnership"


def test_invented_evidence_is_not_found() -> None:
    assert ArticleIndex(TEXT).locate("They signed a treaty.") is None


@pytest.mark.parametrize(
    ("name", "found"),
    [("Xi Guohua", True), ("Xi Gohua", True), ("xi guohua", True), ("Wang Yi", False), ("", False)],
)
def test_names(name: str, found: bool) -> None:
    assert ArticleIndex(TEXT).has_name(name) is found


FIGURES = (
    "The $650 million plan lifts capacity from 1,000 to 2,500 litres a second, "
    "adds nine machines to four, and costs Rs 4,200 crore, or 1.2bn dollars."
)


@pytest.mark.parametrize(
    ("number", "stated"),
    [
        (650e6, True),
        (650, True),
        (2500, True),
        (2_510, True),  # within 1%, the scorer's tolerance
        (9, True),  # a number word
        (4.2e10, True),  # crore
        (1.2e9, True),  # "bn"
        (0, True),
        (2e9, False),  # invented
        (2_600, False),
    ],
)
def test_numbers_the_article_states(number: float, stated: bool) -> None:
    assert ArticleIndex(FIGURES).has_number(number) is stated


def test_an_invented_amount_is_a_grounding_problem() -> None:
    event = event_adapter.validate_python(
        {
            "type": "investment",
            "evidence": FIGURES.split(",")[0],
            "status": "planned",
            "participants": [],
            "value": {"amount": 2e9, "currency": "USD"},
        }
    )
    [problem] = ArticleIndex(FIGURES).problems([event])
    assert problem.startswith("events[0].value.amount 2e+09 is not a number the article states")
