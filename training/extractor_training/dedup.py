"""Near-duplicate detection between training and eval articles: word 5-gram containment.

Each article becomes the set of its lower-cased 5-word shingles. Two articles
are near-duplicates when the shared shingles make up at least `THRESHOLD` of
the smaller set (containment, so that a short article copied into a longer one
is caught too). Measured on this repository: unrelated training and eval
articles on the same topic share at most 5% (t108 against seed 144); a copy
with one word changed in every ten keeps about half of its shingles. 0.25 sits
five times above the first and twice below the second. The sets are compared
exactly: a few hundred articles need no MinHash estimate.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SHINGLE_WORDS = 5
THRESHOLD = 0.25
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE_WORDS) -> frozenset[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def containment(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@dataclass(frozen=True)
class Pair:
    train_id: str
    eval_id: str
    score: float

    def __str__(self) -> str:
        return f"{self.train_id} ~ {self.eval_id}: {self.score:.0%} of 5-word shingles shared"


def most_similar(train: Mapping[str, str], evals: Mapping[str, str]) -> list[Pair]:
    """For each training article, its most similar eval article, most similar first."""
    eval_sets = {key: shingles(text) for key, text in evals.items()}
    pairs: list[Pair] = []
    for train_id, text in train.items():
        own = shingles(text)
        best = max(
            (
                Pair(train_id, eval_id, containment(own, other))
                for eval_id, other in eval_sets.items()
            ),
            key=lambda pair: pair.score,
            default=None,
        )
        if best is not None:
            pairs.append(best)
    return sorted(pairs, key=lambda pair: pair.score, reverse=True)


def near_duplicates(
    train: Mapping[str, str], evals: Mapping[str, str], threshold: float = THRESHOLD
) -> list[Pair]:
    return [pair for pair in most_similar(train, evals) if pair.score >= threshold]


# A retelling in other words shares few 5-word shingles but the same names and figures.
_NAME = re.compile(
    r"[A-ZÀ-ÞА-ЯЁ][\w&-]*(?:[ -](?:(?:of|de|for|the|du|la)[ -])?[A-ZÀ-ÞА-ЯЁ][\w&-]*)*"
)
_FIGURE = re.compile(r"\d[\d,.]*\d|\d")
COMMON_SHARE = 0.01  # a name or figure in more of the articles than this says nothing
# The same story: this many distinctive names of several words (people, plants, deals)
# and figures, or this many such names alone.
SHARED_NAMES = 2
SHARED_FIGURES = 2
SHARED_NAMES_ALONE = 4


def story_names(text: str) -> frozenset[str]:
    """Names of several capitalised words (people, companies, plants), lower-cased."""
    names = set()
    for match in _NAME.finditer(text):
        name = match.group().rstrip("-").removeprefix("The ").lower()
        if " " in name:
            names.add(name)
    return frozenset(names)


def story_figures(text: str) -> frozenset[str]:
    """Numbers as written, without separators; years and small counts left out."""
    figures = set()
    for match in _FIGURE.finditer(text):
        raw = match.group().rstrip(".,").replace(",", "")
        try:
            value = float(raw)
        except ValueError:
            continue
        whole = "." not in raw
        if not ((whole and 1900 <= value <= 2100) or (whole and value < 20)):
            figures.add(raw)
    return frozenset(figures)


@dataclass(frozen=True)
class StoryPair:
    train_id: str
    eval_id: str
    names: tuple[str, ...]
    figures: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"{self.train_id} retells {self.eval_id}: shared names {list(self.names)}, "
            f"figures {list(self.figures)}"
        )


def same_stories(train: Mapping[str, str], evals: Mapping[str, str]) -> list[StoryPair]:
    """Training articles that tell an eval article's story: they share its distinctive
    names and figures, whatever the words around them.

    Distinctive: in at most `COMMON_SHARE` of all the articles given, so "Asian Development
    Bank" or "25" (in many articles) says nothing, while "Deputy Prime Minister Tran Luu
    Quang" and "180000" together do.
    """
    texts = {**train, **evals}
    found = {key: (story_names(text), story_figures(text)) for key, text in texts.items()}
    counts: Counter[str] = Counter(
        item for names, figures in found.values() for item in (*names, *figures)
    )
    common = {item for item, count in counts.items() if count > max(COMMON_SHARE * len(found), 5)}
    pairs = []
    for train_id in train:
        names, figures = (side - common for side in found[train_id])
        for eval_id in evals:
            shared_names = names & found[eval_id][0]
            shared_figures = figures & found[eval_id][1]
            if (len(shared_names) >= SHARED_NAMES and len(shared_figures) >= SHARED_FIGURES) or len(
                shared_names
            ) >= SHARED_NAMES_ALONE:
                pair = StoryPair(
                    train_id, eval_id, tuple(sorted(shared_names)), tuple(sorted(shared_figures))
                )
                pairs.append(pair)
    return pairs


def eval_articles(root: Path) -> dict[str, str]:
    """Every eval article's text by id: the folder's own and those of its subfolders
    (`seeds/real/`, `seeds/lang/`), as `extractor eval` reads them."""
    paths = [*root.glob("*.txt"), *root.glob("*/*.txt")]
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(paths)}
