"""Where a batch writes its records: an append-only JSON Lines file that survives kill -9.

Each record is one `os.write` of one whole line to a file opened with O_APPEND,
so a process killed at any moment leaves only whole lines (a failed write is cut
back). Opening an existing file resumes it: its ids go into a `Ledger`, a torn
last line (power loss) is cut off. When the run ends, a file in which some ids
have several records (retried failures) is rewritten atomically with the last
record of each id. An exclusive lock keeps two batches off one file.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from extractor_schemas import ExtractionResult, Record

from ..errors import ExtractorError
from .ledger import Claim, Ledger
from .records import iter_lines, record_key

log = logging.getLogger(__name__)


class OutputBusy(ExtractorError):
    """Another batch holds the output file."""


@dataclass
class ResumeState:
    """What an existing output file held when the batch opened it."""

    results: int = 0
    failures: int = 0
    superseded: int = 0  # lines replaced by a later record of the same id
    unreadable: int = 0  # complete lines that are not records
    torn_bytes: int = 0  # a last line without newline, cut off


class RecordSink(Protocol):
    """What `run_batch` writes to."""

    def claim(self, article_id: str) -> Claim: ...

    def write(self, record: Record, line: str | None = None) -> None:
        """Store `record`; `line` is its JSON when the caller already has it."""
        ...

    def close(self) -> None: ...


class MemorySink:
    """Keeps the records in a dict (for callers such as the eval harness)."""

    def __init__(self, retry_failed: bool = False) -> None:
        self.records: dict[str, Record] = {}
        self.retry_failed = retry_failed
        self._taken: set[str] = set()

    def claim(self, article_id: str) -> Claim:
        if article_id in self._taken:
            return Claim.DUPLICATE
        self._taken.add(article_id)
        earlier = self.records.get(article_id)
        if isinstance(earlier, ExtractionResult):
            return Claim.DONE
        if earlier is not None and not self.retry_failed:
            return Claim.FAILED
        return Claim.NEW

    def write(self, record: Record, line: str | None = None) -> None:
        self.records[record.article_id] = record

    def close(self) -> None:
        pass


class JsonlSink:
    """The output file of `extractor batch`; see the module docstring."""

    def __init__(self, path: Path, *, retry_failed: bool = False) -> None:
        self.path = path
        self.retry_failed = retry_failed
        self.resumed = ResumeState()
        self.written = 0
        self._ledger = Ledger()
        self._fd = -1
        self._size = 0
        self._lines = 0
        self._superseded = 0

    def open(self) -> JsonlSink:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputBusy(f"{self.path} is being written by another extractor batch") from None
        self._fd = fd
        self._cut_torn_tail()
        self._scan()
        self._size = os.fstat(fd).st_size
        return self

    def __enter__(self) -> JsonlSink:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _cut_torn_tail(self) -> None:
        size = os.fstat(self._fd).st_size
        keep = size
        step = 1 << 16
        while keep > 0:
            start = max(keep - step, 0)
            chunk = os.pread(self._fd, keep - start, start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                keep = start + newline + 1
                break
            keep = start
        if keep < size:
            log.warning("%s: cutting off a torn last line (%d bytes)", self.path, size - keep)
            self.resumed.torn_bytes = size - keep
            os.ftruncate(self._fd, keep)

    def _scan(self) -> None:
        state = self.resumed
        for number, line in iter_lines(self.path):
            self._lines = number + 1
            key = record_key(line)
            if key is None:
                state.unreadable += 1
                continue
            article_id, kind = key
            if self._ledger.recorded(article_id, kind == "result", number):
                state.superseded += 1
        self._superseded = state.superseded + state.unreadable
        state.results, state.failures = self._ledger.counts()

    def claim(self, article_id: str) -> Claim:
        return self._ledger.claim(article_id, self.retry_failed)

    def write(self, record: Record, line: str | None = None) -> None:
        """Append one record (`line`: its JSON, if already made) as one whole line."""
        data = ((line or record.model_dump_json()) + "\n").encode()
        self._append(data)
        is_result = isinstance(record, ExtractionResult)
        if self._ledger.recorded(record.article_id, is_result, self._lines):
            self._superseded += 1
        self._lines += 1
        self.written += 1

    def _append(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:
                done = os.write(self._fd, view)
                view = view[done:]
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)  # never leave half a line behind
            raise
        self._size += len(data)

    def close(self) -> None:
        """Flush to disk; rewrite with one record per id if some ids have several."""
        if self._fd < 0:
            return
        try:
            os.fsync(self._fd)
            if self._superseded:
                self._compact()
        finally:
            os.close(self._fd)
            self._fd = -1
            self._ledger.close()

    def _compact(self) -> None:
        temporary = self.path.with_name(f".{self.path.name}.compact-{os.getpid()}")
        kept = 0
        with temporary.open("wb") as out:
            for number, line in iter_lines(self.path):
                key = record_key(line)
                if key is not None and self._ledger.last_line(key[0]) == number:
                    out.write(line)
                    kept += 1
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        log.info("%s: rewritten with one record per id (%d records)", self.path, kept)
