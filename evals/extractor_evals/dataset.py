"""A labeled data set: a folder of `<id>.txt` articles with `<id>.gold.json` answers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from extractor_schemas import Article, GoldAnswer

from extractor import read_article_file

from .names import ALIASES_FILE
from .validate import GOLD_SUFFIX


@dataclass(frozen=True)
class LabeledArticle:
    article: Article
    gold: GoldAnswer


@dataclass(frozen=True)
class Dataset:
    root: Path
    items: list[LabeledArticle]

    @property
    def alias_file(self) -> Path:
        return self.root / ALIASES_FILE

    def __len__(self) -> int:
        return len(self.items)


class DatasetError(ValueError):
    """The data folder cannot be scored; the message says why."""


def load_dataset(root: Path) -> Dataset:
    """Every article that has a gold file; run `extractor validate-gold` for a full check."""
    if not root.is_dir():
        raise DatasetError(f"{root} is not a folder")
    items = []
    for gold_path in sorted(root.glob(f"*{GOLD_SUFFIX}")):
        article_id = gold_path.name.removesuffix(GOLD_SUFFIX)
        article_path = root / f"{article_id}.txt"
        if not article_path.is_file():
            raise DatasetError(f"{gold_path}: no article {article_path.name} beside it")
        try:
            gold = GoldAnswer.model_validate_json(gold_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise DatasetError(f"{gold_path}: not a valid gold file ({exc})") from None
        items.append(LabeledArticle(read_article_file(article_path), gold))
    if not items:
        raise DatasetError(f"{root} has no {GOLD_SUFFIX} files")
    return Dataset(root, items)
