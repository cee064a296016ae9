"""Reading article files and writing JSON records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import ArticleError

ARTICLE_SUFFIX = ".txt"


def article_paths(inputs: list[Path]) -> Iterator[Path]:
    """Files as given; directories expand to their `*.txt` files, sorted."""
    for path in inputs:
        if path.is_dir():
            yield from sorted(p for p in path.glob(f"*{ARTICLE_SUFFIX}") if p.is_file())
        elif path.exists():
            yield path
        else:
            raise ArticleError(f"{path}: no such file or directory")
