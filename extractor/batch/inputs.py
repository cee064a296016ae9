"""Batch inputs: article files, folders, globs and JSON Lines, streamed one article at a time.

A JSON Lines input holds one `{"id", "published", "text"}` object per line
(`published` optional; other keys are ignored). A line that cannot be an article
(not UTF-8, blank, not JSON, no id or text, a bad date) becomes an `InputFailure`
and the stream goes on; its id is the article's id, or `FILE:LINE` when it has none.
"""

from __future__ import annotations

import glob
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from extractor_schemas import Article, ExtractionFailure

from ..articles import parse_article, read_article_file
from ..errors import ArticleError

JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
TEXT_SUFFIX = ".txt"
STDIN = "-"
_GLOB_CHARS = frozenset("*?[")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class InputFailure:
    """An input that is not a usable article; it is recorded as a failure."""

    article_id: str
    message: str

    def as_record(self) -> ExtractionFailure:
        return ExtractionFailure(
            article_id=self.article_id, error_class="input_error", message=self.message
        )


InputItem = Article | InputFailure


@dataclass(frozen=True)
class Source:
    """One input file: JSON Lines (`jsonl`) or one article per file (`text`)."""

    path: Path | None  # None: standard input
    kind: str

    @property
    def name(self) -> str:
        return str(self.path) if self.path is not None else "<stdin>"


def resolve(inputs: Iterable[str | Path]) -> list[Source]:
    """Expand folders (their *.txt and *.jsonl files) and globs; fail on a missing path."""
    sources: list[Source] = []
    for given in inputs:
        text = str(given)
        if text == STDIN:
            sources.append(Source(None, "jsonl"))
            continue
        if _GLOB_CHARS & set(text) and not Path(text).exists():
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True))
            files = [p for p in matches if p.is_file()]
            if not files:
                raise ArticleError(f"{text}: no file matches this pattern")
            sources += [_source(p) for p in files]
            continue
        path = Path(text)
        if path.is_dir():
            members = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and (p.suffix == TEXT_SUFFIX or p.suffix in JSONL_SUFFIXES)
            )
            sources += [_source(p) for p in members]
        elif path.is_file():
            sources.append(_source(path))
        else:
            raise ArticleError(f"{path}: no such file or directory")
    return sources


def _source(path: Path) -> Source:
    return Source(path, "jsonl" if path.suffix in JSONL_SUFFIXES else "text")


def read_inputs(sources: Iterable[Source]) -> Iterator[InputItem]:
    """Every article (or input failure) of every source, in order, streamed."""
    for source in sources:
        if source.kind == "text":
            assert source.path is not None
            yield _read_text_file(source.path)
        elif source.path is None:
            yield from read_jsonl(sys.stdin.buffer, source.name)
        else:
            with source.path.open("rb") as stream:
                yield from read_jsonl(stream, source.name)


def _read_text_file(path: Path) -> InputItem:
    try:
        return read_article_file(path)
    except ArticleError as exc:
        return InputFailure(path.stem, str(exc))
    except OSError as exc:
        return InputFailure(path.stem, f"{path}: cannot read: {exc.strerror or exc}")


def read_jsonl(stream: BinaryIO, name: str) -> Iterator[InputItem]:
    """One item per line of a JSON Lines stream (never the whole stream in memory)."""
    for number, raw in enumerate(stream, start=1):
        yield parse_line(raw, f"{name}:{number}")


def parse_line(raw: bytes, where: str) -> InputItem:
    """One JSON Lines record as an article, or the reason it is not one."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return InputFailure(where, f"{where}: not UTF-8 text (byte {exc.start})")
    if not line.strip():
        return InputFailure(where, f"{where}: empty line")
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return InputFailure(where, f"{where}: not JSON ({exc.msg}, column {exc.colno})")
    if not isinstance(data, dict):
        return InputFailure(where, f"{where}: not a JSON object")
    identifier = data.get("id")
    if isinstance(identifier, int) and not isinstance(identifier, bool):
        identifier = str(identifier)
    if not isinstance(identifier, str) or not identifier.strip():
        return InputFailure(where, f'{where}: no "id" (a non-empty string)')
    text = data.get("text")
    if not isinstance(text, str):
        return InputFailure(identifier, f'{where}: article {identifier!r} has no "text" string')
    published = data.get("published")
    if published is not None and not isinstance(published, str):
        return InputFailure(
            identifier, f'{where}: article {identifier!r}: "published" is not a YYYY-MM-DD string'
        )
    try:
        return parse_article(text, identifier, published)
    except ArticleError as exc:
        return InputFailure(identifier, f"{where}: {exc}")


def count_items(sources: Iterable[Source]) -> int | None:
    """How many items the sources hold (lines of JSON Lines files); None for stdin."""
    total = 0
    for source in sources:
        if source.path is None:
            return None
        if source.kind == "text":
            total += 1
            continue
        with source.path.open("rb") as stream:
            last = b"\n"
            while chunk := stream.read(_CHUNK):
                total += chunk.count(b"\n")
                last = chunk[-1:]
            total += last != b"\n"
    return total
