"""Reading a batch output file: JSON Lines of `ExtractionResult` / `ExtractionFailure`.

The file is append-only while a batch runs, and *the last record of an id wins*:
a retried failure is followed by its new record. A batch that finishes rewrites
the file atomically with one record per id, so a finished file has no repeats;
`read_records` applies the rule either way. A last line without its newline (a
write cut by a power loss) is not a record and is ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from extractor_schemas import Record
from pydantic import TypeAdapter, ValidationError

RecordKind = Literal["result", "failure"]
_record = TypeAdapter[Record](Record)
# Records written by pydantic start with these two fields, in this order.
_HEAD = re.compile(rb'\{"record":"(result|failure)","article_id":("(?:[^"\\]|\\.)*")')


def record_key(line: bytes) -> tuple[str, RecordKind] | None:
    """The article id and record kind of one line, or None if it is not a record."""
    match = _HEAD.match(line)
    if match is not None:
        kind: RecordKind = "result" if match.group(1) == b"result" else "failure"
        return str(json.loads(match.group(2))), kind
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("article_id"), str):
        return None
    record = data.get("record")
    if record not in ("result", "failure"):
        return None
    return data["article_id"], "result" if record == "result" else "failure"


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number from 0, line) for every complete line of the file."""
    with path.open("rb") as stream:
        for number, line in enumerate(stream):
            if line.endswith(b"\n"):
                yield number, line


def read_records(path: Path) -> dict[str, Record]:
    """One record per article id, the last one in the file winning; bad lines skipped."""
    records: dict[str, Record] = {}
    for _, line in iter_lines(path):
        try:
            record = _record.validate_json(line)
        except ValidationError:
            continue
        records[record.article_id] = record
    return records
