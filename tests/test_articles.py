from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from extractor import ArticleError, parse_article, read_article_file
from tests.conftest import SEEDS


def test_inline_prefix_as_in_the_seeds() -> None:
    article = read_article_file(SEEDS / "000_0cd24d71fac579ce.txt")
    assert article.id == "000_0cd24d71fac579ce"
    assert article.published == date(2024, 8, 22)
    assert article.body.startswith("As part of a working trip to China")
    assert article.body_start == len(" date 2024-08-22 ")


def test_prefix_on_a_line_of_its_own() -> None:
    article = parse_article("date 2025-01-31\nBody starts here.", "a")
    assert article.published == date(2025, 1, 31)
    assert article.body == "Body starts here."


def test_no_prefix_keeps_the_whole_text() -> None:
    article = parse_article("Plain text, no date.", "a")
    assert article.published is None and article.body_start == 0


def test_explicit_published_wins() -> None:
    assert parse_article(" date 2024-08-22 Text.", "a", "2024-09-01").published == date(2024, 9, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("   \n\t", "is empty"),
        (" date 2024-13-45 Text", "date prefix '2024-13-45'"),
        (" date 24-1-2 Text", "is not YYYY-MM-DD"),
        (" date 2024-08-22 ", "no body"),
    ],
)
def test_bad_articles_get_a_specific_error(text: str, message: str) -> None:
    with pytest.raises(ArticleError, match=message):
        parse_article(text, "a")


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"caf\xe9 au lait")
    with pytest.raises(ArticleError, match="not UTF-8 text"):
        read_article_file(path)
