from __future__ import annotations

import pytest

from extractor.grounding import ArticleIndex

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
