"""Where every training example comes from: the manifest (JSON Lines, one row per example).

A hand-written row names its batch and author (from `training/batches.json`); a row
rewritten from a public news article also names its source (from
`training/sources/*.jsonl`: url, publication date, style, region, sector); an augmented
row names its source example, the seed and the substitutions.
Both carry the sha256 of the article text and of the gold file.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .examples import Example, Variant

_ID_NUMBER = re.compile(r"^t(\d+)")


def sha256(data: str) -> str:
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Batch:
    name: str
    first: int
    last: int
    author: str
    origin: str


def read_batches(path: Path) -> list[Batch]:
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return [
        Batch(b["batch"], _number(b["first"]), _number(b["last"]), b["author"], b["origin"])
        for b in raw["batches"]
    ]


def _number(article_id: str) -> int:
    match = _ID_NUMBER.match(article_id)
    if match is None:
        raise ValueError(f"training id {article_id!r} does not start with t<number>")
    return int(match.group(1))


def batch_of(article_id: str, batches: list[Batch]) -> Batch:
    number = _number(article_id)
    for batch in batches:
        if batch.first <= number <= batch.last:
            return batch
    raise ValueError(f"{article_id} is in no batch of training/batches.json; add its batch there")


def hand_row(
    example: Example, batches: list[Batch], sources: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    batch = batch_of(example.id, batches)
    row: dict[str, Any] = {
        "id": example.id,
        "source": "hand",
        "batch": batch.name,
        "author": batch.author,
    }
    origin = (sources or {}).get(example.id)
    if origin is not None:
        row["url"] = origin["url"]
        if origin.get("urls"):
            row["urls"] = origin["urls"]
        for key in ("published", "style", "region", "sector", "language"):
            if origin.get(key):
                row[key] = origin[key]
    return {**row, "text_sha256": sha256(example.text), "gold_sha256": sha256(example.gold_text)}


def read_sources(folder: Path) -> dict[str, dict[str, Any]]:
    """The public article each rewritten training article comes from, by id."""
    sources: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if not str(row.get("url", "")).startswith(("http://", "https://")):
                raise ValueError(f"{path}:{number}: {row.get('id')!r} has no source url")
            sources[row["id"]] = row
    return sources


def variant_row(variant: Variant, seed: int) -> dict[str, Any]:
    return {
        "id": variant.id,
        "source": "augmented",
        "from": variant.source_id,
        "seed": seed,
        "substitutions": variant.substitutions,
        "text_sha256": sha256(variant.text),
        "gold_sha256": sha256(variant.gold_text),
    }


def write_manifest(path: Path, rows: list[dict[str, Any]]) -> None:
    lines = [json.dumps(row, ensure_ascii=False, sort_keys=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_manifest(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
