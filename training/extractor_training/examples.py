"""A labeled example (article text and gold file) and its augmented variants, on disk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractor_schemas import GoldAnswer


@dataclass(frozen=True)
class Example:
    """A labeled article: its text as given and its gold answer."""

    id: str
    text: str
    gold: GoldAnswer
    gold_text: str  # the gold file's content

    @classmethod
    def read(cls, gold_path: Path) -> Example:
        article_id = gold_path.name.removesuffix(".gold.json")
        text = gold_path.with_name(f"{article_id}.txt").read_bytes().decode("utf-8")
        gold_text = gold_path.read_bytes().decode("utf-8")
        return cls(article_id, text, GoldAnswer.model_validate_json(gold_text), gold_text)

    def write(self, folder: Path) -> None:
        (folder / f"{self.id}.txt").write_bytes(self.text.encode("utf-8"))
        (folder / f"{self.id}.gold.json").write_bytes(self.gold_text.encode("utf-8"))


@dataclass(frozen=True)
class Variant(Example):
    source_id: str = ""
    substitutions: dict[str, Any] = field(default_factory=dict)


def render_gold(gold: GoldAnswer) -> str:
    """A gold file as labelers write it: every field, in their order, indent 2."""
    data = gold.model_dump(mode="json", exclude={"events": {"__all__": {"evidence_span"}}})
    data["events"] = [
        {key: event[key] for key in sorted(event, key=_field_rank)} for event in data["events"]
    ]
    return json.dumps(_tidy(data), ensure_ascii=False, indent=2) + "\n"


_FIRST_FIELDS = ("type", "status", "date", "location", "participants", "evidence")


def _field_rank(key: str) -> int:
    return _FIRST_FIELDS.index(key) if key in _FIRST_FIELDS else len(_FIRST_FIELDS)


def _tidy(node: Any) -> Any:
    """Write 650000000.0 as 650000000, as labelers do."""
    if isinstance(node, float) and node.is_integer():
        return int(node)
    if isinstance(node, dict):
        return {key: _tidy(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_tidy(value) for value in node]
    return node


def read_examples(folder: Path) -> Iterator[Example]:
    """Every labeled article of a folder (an article whose gold is missing is skipped)."""
    for gold_path in sorted(folder.glob("*.gold.json")):
        if gold_path.with_name(gold_path.name.removesuffix(".gold.json") + ".txt").exists():
            yield Example.read(gold_path)
