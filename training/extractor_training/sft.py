"""The supervised fine-tuning set: per example the compact prompt and the compact answer.

Examples are read through the manifest and must match its hashes, so the data
set is exactly the recorded one; its sha256 identifies it in a model card.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from typing import Any

from extractor import parse_article
from extractor.formats.compact.codec import COMPACT_VERSION, decode, encode
from extractor.formats.compact.prompt import compact_messages, compact_prompt_version

from .examples import Example
from .provenance import sha256


class StaleDataError(Exception):
    """An example file does not match the manifest, or is missing."""


@dataclass
class SftStats:
    examples: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    without_events: int = 0
    prompt_chars: list[int] = field(default_factory=list)
    answer_chars: list[int] = field(default_factory=list)
    sha256: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "examples": sum(self.examples.values()),
            "by_source": dict(self.examples),
            "events": sum(self.events.values()),
            "events_by_type": dict(sorted(self.events.items())),
            "examples_without_events": self.without_events,
            "prompt_chars_mean": round(mean(self.prompt_chars)) if self.prompt_chars else 0,
            "prompt_chars_max": max(self.prompt_chars, default=0),
            "answer_chars_mean": round(mean(self.answer_chars)) if self.answer_chars else 0,
            "answer_chars_max": max(self.answer_chars, default=0),
            "format": COMPACT_VERSION,
            "prompt_version": compact_prompt_version(),
            "sha256": self.sha256,
        }


def load_example(row: dict[str, Any], folders: dict[str, Path]) -> Example:
    """The example a manifest row names, checked against the row's hashes."""
    gold_path = folders[row["source"]] / f"{row['id']}.gold.json"
    if not gold_path.exists():
        raise StaleDataError(f"{gold_path} is missing: run `extractor augment` first")
    example = Example.read(gold_path)
    if (
        sha256(example.text) != row["text_sha256"]
        or sha256(example.gold_text) != row["gold_sha256"]
    ):
        raise StaleDataError(
            f"{row['id']} differs from the manifest: run `extractor augment` to refresh it"
        )
    return example


def sft_record(example: Example, row: dict[str, Any]) -> dict[str, Any]:
    article = parse_article(example.text, example.id)
    messages = compact_messages(article)
    answer = encode(example.gold.events, article, exact_evidence=False)
    decode(answer, article)  # an answer the runtime could not read is a bug here, not data
    return {
        "id": example.id,
        "group": row.get("from", example.id),
        "source": row["source"],
        "format": COMPACT_VERSION,
        "messages": [
            {"role": "system", "content": messages.system},
            {"role": "user", "content": messages.user},
            {"role": "assistant", "content": answer},
        ],
    }


def build_sft(rows: list[dict[str, Any]], folders: dict[str, Path], out: Path) -> SftStats:
    """Write the JSONL set to `out` and return its counts and hash."""
    stats = SftStats()
    lines: list[str] = []
    for row in rows:
        example = load_example(row, folders)
        record = sft_record(example, row)
        lines.append(json.dumps(record, ensure_ascii=False))
        stats.examples[row["source"]] += 1
        stats.events.update(event.type for event in example.gold.events)
        stats.without_events += not example.gold.events
        stats.prompt_chars.append(sum(len(m["content"]) for m in record["messages"][:2]))
        stats.answer_chars.append(len(record["messages"][2]["content"]))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    stats.sha256 = hashlib.sha256(data).hexdigest()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return stats
