"""Batch inputs: files, folders, globs, JSON Lines; every malformed line is a failure item."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from extractor_schemas import Article

from extractor import ArticleError
from extractor.batch.inputs import (
    InputFailure,
    count_items,
    parse_line,
    read_inputs,
    read_jsonl,
    resolve,
)


def _line(**fields: object) -> bytes:
    return (json.dumps(fields) + "\n").encode()


def test_jsonl_lines_become_articles_with_their_dates() -> None:
    stream = io.BytesIO(
        _line(id="a", published="2024-05-01", text="Body of a.")
        + _line(id=7, text=" date 2023-02-03 Body of seven.")
    )
    first, second = list(read_jsonl(stream, "in.jsonl"))
    assert isinstance(first, Article) and first.published is not None
    assert first.published.isoformat() == "2024-05-01"
    assert isinstance(second, Article) and second.id == "7"
    assert second.published is not None and second.published.isoformat() == "2023-02-03"
    assert second.text[second.body_start :] == "Body of seven."


@pytest.mark.parametrize(
    ("raw", "article_id", "reason"),
    [
        (b"not json\n", "in.jsonl:1", "not JSON"),
        (b"\n", "in.jsonl:1", "empty line"),
        (b"   \r\n", "in.jsonl:1", "empty line"),
        (b"\xff\xfe{}\n", "in.jsonl:1", "not UTF-8"),
        (b"[1, 2]\n", "in.jsonl:1", "not a JSON object"),
        (_line(text="no id"), "in.jsonl:1", 'no "id"'),
        (_line(id="", text="blank id"), "in.jsonl:1", 'no "id"'),
        (_line(id="t"), "t", 'no "text"'),
        (_line(id="e", text="  "), "e", "is empty"),
        (_line(id="d", text=" date 2024-02-30 Body."), "d", "date prefix"),
        (_line(id="p", text="Body.", published="yesterday"), "p", "published"),
        (_line(id="q", text="Body.", published=20240101), "q", "published"),
    ],
)
def test_malformed_lines_are_failures_with_an_id_and_a_reason(
    raw: bytes, article_id: str, reason: str
) -> None:
    item = parse_line(raw, "in.jsonl:1")
    assert isinstance(item, InputFailure)
    assert item.article_id == article_id
    assert reason in item.message
    record = item.as_record()
    assert record.error_class == "input_error" and record.attempts == 0


def test_the_stream_goes_on_after_bad_lines() -> None:
    stream = io.BytesIO(b"oops\n" + _line(id="ok", text="Fine body.") + b"\xff\n")
    kinds = [type(item).__name__ for item in read_jsonl(stream, "x")]
    assert kinds == ["InputFailure", "Article", "InputFailure"]


def test_files_folders_and_globs(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "b.txt").write_text(" date 2024-01-02 Second article body.", "utf-8")
    (folder / "a.txt").write_text("date 2024-01-01\nFirst article body.", "utf-8")
    (folder / "a.gold.json").write_text("{}", "utf-8")  # not an input
    (folder / "bad.txt").write_bytes(b"\xff\xfe not utf-8")
    lines = tmp_path / "more.jsonl"
    lines.write_bytes(_line(id="j1", text="Line article.") + b"broken\n")

    sources = resolve([str(folder), str(tmp_path / "*.jsonl")])
    items = list(read_inputs(sources))
    ids = [item.article_id if isinstance(item, InputFailure) else item.id for item in items]
    assert ids == ["a", "b", "bad", "j1", f"{lines}:2"]
    assert isinstance(items[2], InputFailure) and "UTF-8" in items[2].message
    assert count_items(sources) == 5


def test_missing_paths_and_empty_globs_fail_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="no such file"):
        resolve([str(tmp_path / "nope.jsonl")])
    with pytest.raises(ArticleError, match="no file matches"):
        resolve([str(tmp_path / "*.jsonl")])


def test_count_items_counts_a_last_line_without_newline(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(_line(id="1", text="a") + b'{"id": "2", "text": "b"}')
    assert count_items(resolve([str(path)])) == 2
    assert len(list(read_inputs(resolve([str(path)])))) == 2
