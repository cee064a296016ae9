"""The one sentence splitter: numbered sentences with their offsets.

Everything that needs sentences uses it: the compact prompt's numbered lines, the
JSON format's evidence choices, the pieces chunks are made of, and re-anchoring.
The split is deliberately cautious. It breaks at line breaks; at `.`, `!`, `?` or `…`
followed by space and a sentence start (a capital in any script, a digit, an opening
quote or bracket, or a letter of a script without case, such as Chinese); and after
`。`, `！` or `？` with or without space. It does not break after common
abbreviations ("Co.", "U.S.", "Mr.") or single initials. Merging two sentences by
mistake only makes an evidence sentence longer; splitting one wrongly would cut the
evidence. Changing a rule changes sentence numbers: bump `extractor.versions.SENTENCES`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor_schemas import Article

_BREAK = re.compile(r"[.!?…][\"'”’)\]]*[ \t]+(?=\S)|[。！？][\"'”’」』）)]*[ \t]*|\n+")
_OPENERS = "\"'“‘«„「『（(["
_ABBREVIATION_WORDS = """co corp inc ltd plc llc bhd mr mrs ms dr prof st no nos vs gen gov sen
rep jr
sr messrs jan feb mar apr jun jul aug sep sept oct nov dec approx est dept univ mt ft bros e.g i.e
u.s u.k u.n u.s.a e.u s.a s.a.s s.p.a n.v b.v a.g"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")


@dataclass(frozen=True)
class Sentence:
    """One sentence: its 1-based number and `[start, end)` offsets in the full text."""

    number: int
    start: int
    end: int


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the `.` at `dot` ends an abbreviation or an initial rather than a sentence."""
    match = _WORD_BEFORE.search(text, max(0, dot - 12), dot + 1)
    if match is None:
        return False
    word = match.group(1).lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _starts_sentence(text: str, at: int) -> bool:
    """Whether the text after a full stop and space can begin a sentence."""
    if at >= len(text):
        return False
    char = text[at]
    if char in _OPENERS and at + 1 < len(text):
        char = text[at + 1]
    if char.isdigit() or char.isupper() or char.istitle():
        return True
    return char.isalpha() and not char.islower()  # a script without case


def split_sentences(article: Article) -> list[Sentence]:
    """The body's sentences in order, stripped of surrounding whitespace."""
    text = article.text
    pieces: list[tuple[int, int]] = []
    start = article.body_start
    for match in _BREAK.finditer(text, article.body_start):
        mark = match.group()[0]
        if mark in ".!?…" and not _starts_sentence(text, match.end()):
            continue
        if mark == "." and _is_abbreviation(text, match.start()):
            continue
        end = match.start() + len(match.group().rstrip(" \t\n"))
        pieces.append((start, end))
        start = match.end()
    pieces.append((start, len(text)))
    sentences: list[Sentence] = []
    for raw_start, raw_end in pieces:
        chunk = text[raw_start:raw_end]
        stripped = chunk.strip()
        if not stripped:
            continue
        begin = raw_start + (len(chunk) - len(chunk.lstrip()))
        sentences.append(Sentence(len(sentences) + 1, begin, begin + len(stripped)))
    return sentences


def numbered_body(article: Article, sentences: list[Sentence] | None = None) -> str:
    """The body as `[n] sentence` lines: what a compact-format prompt shows the model."""
    sentences = split_sentences(article) if sentences is None else sentences
    text = article.text
    return "\n".join(f"[{s.number}] " + " ".join(text[s.start : s.end].split()) for s in sentences)
