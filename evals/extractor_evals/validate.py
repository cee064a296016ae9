"""Check a labeled data set: every gold file against the schemas and its article."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from extractor_schemas import GoldAnswer
from pydantic import ValidationError

from extractor import ArticleError, read_article_file

GOLD_SUFFIX = ".gold.json"


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def gold_files(data_dir: Path) -> list[Path]:
    return sorted(data_dir.glob(f"*{GOLD_SUFFIX}"))


def validate_dataset(data_dir: Path) -> tuple[int, list[Problem]]:
    """Return (gold files checked, problems). An article without gold is a problem too."""
    problems: list[Problem] = []
    golds = gold_files(data_dir)
    labeled = {path.name.removesuffix(GOLD_SUFFIX) for path in golds}
    for article_path in sorted(data_dir.glob("*.txt")):
        if article_path.stem not in labeled:
            problems.append(Problem(article_path, "has no gold file"))
    for gold_path in golds:
        problems.extend(validate_gold_file(gold_path))
    return len(golds), problems


def validate_gold_file(gold_path: Path) -> list[Problem]:
    try:
        gold = GoldAnswer.model_validate_json(gold_path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        return [
            Problem(gold_path, f"{'.'.join(map(str, e['loc']))}: {e['msg']}") for e in exc.errors()
        ]
    expected_id = gold_path.name.removesuffix(GOLD_SUFFIX)
    problems = []
    if gold.article_id != expected_id:
        problems.append(Problem(gold_path, f"article_id {gold.article_id!r} != {expected_id!r}"))
    try:
        article = read_article_file(gold_path.with_name(expected_id + ".txt"))
    except (ArticleError, OSError) as exc:
        return [*problems, Problem(gold_path, f"article: {exc}")]
    if gold.published != article.published:
        problems.append(
            Problem(gold_path, f"published {gold.published} != article date {article.published}")
        )
    for number, event in enumerate(gold.events):
        if event.evidence is not None and event.evidence not in article.text:
            problems.append(
                Problem(
                    gold_path,
                    f"events[{number}].evidence is not in the article: {event.evidence[:80]!r}",
                )
            )
    return problems
