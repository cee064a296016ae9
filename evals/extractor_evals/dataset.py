"""A labeled data set: a folder of `<id>.txt` articles with `<id>.gold.json` answers.

Each subfolder that holds gold files is a subset of its own (`seeds/real/`, `seeds/lang/`),
scored with the rest and reported apart; the folder's own articles are the subset named
after it. `subsets` picks some of them.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    subset: str = ""


@dataclass(frozen=True)
class Dataset:
    root: Path
    items: list[LabeledArticle]

    @property
    def alias_file(self) -> Path:
        return self.root / ALIASES_FILE

    def __len__(self) -> int:
        return len(self.items)

    @property
    def subsets(self) -> list[str]:
        """The subsets' names, in the order their articles come."""
        return list(dict.fromkeys(item.subset for item in self.items))


class DatasetError(ValueError):
    """The data folder cannot be scored; the message says why."""


def load_dataset(root: Path, subsets: Sequence[str] | None = None) -> Dataset:
    """Every article that has a gold file, in the folder and in its subfolders (see the
    module doc); run `extractor validate-gold` for a full check."""
    if not root.is_dir():
        raise DatasetError(f"{root} is not a folder")
    folders = {root.name: root}
    for child in sorted(p for p in root.iterdir() if p.is_dir()):
        if any(child.glob(f"*{GOLD_SUFFIX}")):
            folders[child.name] = child
    if subsets:
        unknown = [name for name in subsets if name not in folders]
        if unknown:
            raise DatasetError(
                f"no subset {', '.join(unknown)} in {root} (it has: {', '.join(folders)})"
            )
        folders = {name: folders[name] for name in subsets}
    items = []
    for name, folder in folders.items():
        items += [LabeledArticle(*_labeled(gold_path), name) for gold_path in _golds(folder)]
    if not items:
        raise DatasetError(f"{root} has no {GOLD_SUFFIX} files")
    ids = [item.article.id for item in items]
    if len(set(ids)) < len(ids):
        raise DatasetError(f"{root}: an article id is used in two subsets")
    return Dataset(root, items)


def _golds(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{GOLD_SUFFIX}"))


def _labeled(gold_path: Path) -> tuple[Article, GoldAnswer]:
    article_id = gold_path.name.removesuffix(GOLD_SUFFIX)
    article_path = gold_path.with_name(f"{article_id}.txt")
    if not article_path.is_file():
        raise DatasetError(f"{gold_path}: no article {article_path.name} beside it")
    try:
        gold = GoldAnswer.model_validate_json(gold_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DatasetError(f"{gold_path}: not a valid gold file ({exc})") from None
    return read_article_file(article_path), gold
