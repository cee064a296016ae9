"""The one sentence splitter, in every script the field's news is written in."""

from __future__ import annotations

import pytest

from extractor.articles import parse_article
from extractor.config import load_settings
from extractor.formats.json.response import article_sentences
from extractor.text.chunking import split_article
from extractor.text.sentences import split_sentences


def _sentences(text: str) -> list[str]:
    article = parse_article(text, "a")
    return [article.text[s.start : s.end] for s in split_sentences(article)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Minera Co. Ltd signed a deal with the U.S. Energy Dept. on Monday. It is big.",
            ["Minera Co. Ltd signed a deal with the U.S. Energy Dept. on Monday.", "It is big."],
        ),
        (
            "Президент Токаев провёл встречу с главой компании. Стороны подписали соглашение.",
            ["Президент Токаев провёл встречу с главой компании.", "Стороны подписали соглашение."],
        ),
        (
            "Компания построит завод, т. е. новый цех. Ввод намечен на 2026 год.",
            ["Компания построит завод, т. е. новый цех.", "Ввод намечен на 2026 год."],
        ),
        (
            "双方签署了合作协议。项目总投资3亿美元！预计明年投产？是的。",
            ["双方签署了合作协议。", "项目总投资3亿美元！", "预计明年投产？", "是的。"],
        ),
        (
            "«Мы начали стройку», — сказал он. «Завод заработает в 2026 году».",
            ["«Мы начали стройку», — сказал он.", "«Завод заработает в 2026 году»."],
        ),
        ("Acme met Beta Corp in Paris on Monday.", ["Acme met Beta Corp in Paris on Monday."]),
        (
            "İn the course of the meeting. Ömer spoke.",
            ["İn the course of the meeting.", "Ömer spoke."],
        ),
    ],
)
def test_sentences_split_in_any_script(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


def test_evidence_choices_and_chunks_use_the_same_sentences() -> None:
    text = " ".join(f"Minera Co. Ltd met the U.S. Energy Dept. on day {n}." for n in range(60))
    article = parse_article(text, "a")
    sentences = [article.text[s.start : s.end] for s in split_sentences(article)]
    assert article_sentences(article) == sentences
    chunks = split_article(article, load_settings(chunk_tokens=200, chunk_overlap_tokens=0))
    assert len(chunks) > 1
    for chunk in chunks:  # every chunk ends where a sentence ends
        assert chunk.article.text.endswith(".") and any(
            chunk.article.text.endswith(sentence) for sentence in sentences
        )
