"""Fuzzy name and text matching, with an alias table kept in data."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

NAME_THRESHOLD = 85.0  # rapidfuzz ratio for names: forgives a typo or two ("Xi Gohua")
TEXT_THRESHOLD = 80.0  # token-sort ratio for free text (subjects, units, topics)
ALIASES_FILE = "aliases.json"

_SUFFIXES = re.compile(
    r"\b(ltd|limited|inc|corp|corporation|co|company|plc|llc|jsc|pjsc|sa|ag|gmbh|group|"
    r"holdings?|the)\b\.?"
)
_NON_WORD = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Casefolded, accents and punctuation removed, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACE.sub(" ", _NON_WORD.sub(" ", plain)).strip()


def _core(name: str) -> str:
    """A name without legal-form words: "CNOOC Limited" -> "cnooc"."""
    stripped = _SPACE.sub(" ", _SUFFIXES.sub(" ", normalize(name))).strip()
    return stripped or normalize(name)


class NameMatcher:
    """Decides whether two names, or two free texts, mean the same thing."""

    def __init__(
        self,
        alias_groups: Iterable[Iterable[str]] = (),
        *,
        name_threshold: float = NAME_THRESHOLD,
        text_threshold: float = TEXT_THRESHOLD,
    ) -> None:
        self.name_threshold = name_threshold
        self.text_threshold = text_threshold
        self._group_of: dict[str, int] = {}
        self.alias_group_count = 0
        for number, group in enumerate(alias_groups):
            self.alias_group_count += 1
            for alias in group:
                self._group_of[_core(alias)] = number

    @classmethod
    def from_files(cls, *paths: Path) -> NameMatcher:
        groups: list[list[str]] = []
        for path in paths:
            groups.extend(load_alias_groups(path))
        return cls(groups)

    def same_name(self, a: str, b: str) -> bool:
        return _same_name(self, _core(a), _core(b))

    def same_text(self, a: str, b: str) -> bool:
        left, right = normalize(a), normalize(b)
        if left == right or self.same_name(a, b):
            return True
        return fuzz.token_sort_ratio(left, right) >= self.text_threshold

    def aliased(self, a: str, b: str) -> bool:
        group = self._group_of.get(a)
        return group is not None and group == self._group_of.get(b)


@lru_cache(maxsize=65536)
def _same_name(matcher: NameMatcher, a: str, b: str) -> bool:
    if a == b or matcher.aliased(a, b):
        return True
    return fuzz.ratio(a, b) >= matcher.name_threshold


def load_alias_groups(path: Path) -> list[list[str]]:
    """An alias file: {"groups": [["KMG", "KazMunayGas"], ...]}; a missing file has none."""
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list) or not all(
        isinstance(group, list) and all(isinstance(name, str) for name in group) for group in groups
    ):
        raise ValueError(f'{path}: expected {{"groups": [[name, alias, ...], ...]}}')
    return groups
