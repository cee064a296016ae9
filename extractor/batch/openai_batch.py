"""The OpenAI Batch API: write the request file, read the provider's output file back.

Export writes one `/v1/chat/completions` request per chunk, exactly as a live call
would send it first (same chunks, prompt, answer format and settings); `custom_id` is
the chunk's id: the article id, or `<id>#<n>/<count>` for each chunk of a long article.
Files are split at the API's limits (50,000 requests or 200 MB): `requests.jsonl`,
`requests-2.jsonl`, ... Import reads the output file the provider returns and merges
each article's chunk answers into the same records as a live batch, through the same
conversation: validated and grounded (no re-ask is possible offline, so an invalid
answer counts as a chunk whose re-asks are spent), provider errors and chunks with no
answer fail their article. Both honour the output file
(ids already done are skipped) and the result cache.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractor_schemas import Article, ExtractionFailure, ExtractionResult, Record, Usage

from ..errors import ArticleError
from ..llm.stats import CallStats
from ..pipeline import Conversation, Extractor
from .cache import CacheKeys, ResultCache
from .inputs import InputFailure, InputItem
from .ledger import Claim, Ledger
from .progress import BatchProgress
from .sink import RecordSink
from .summary import BatchSummary
from .transport import status_error

ENDPOINT = "/v1/chat/completions"
MAX_REQUESTS_PER_FILE = 50_000
MAX_BYTES_PER_FILE = 200 * 1024 * 1024


@dataclass
class ExportSummary:
    requests: int = 0
    files: list[Path] = field(default_factory=list)
    batch: BatchSummary = field(default_factory=BatchSummary)


class _SplitWriter:
    """Request lines into `path`, then `path-2`, ... at the Batch API's per-file limits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.files: list[Path] = []
        self._stream: Any = None
        self._count = 0
        self._bytes = 0

    def _part(self, number: int) -> Path:
        if number == 1:
            return self.path
        return self.path.with_name(f"{self.path.stem}-{number}{self.path.suffix}")

    def write(self, line: bytes) -> None:
        full = self._count >= MAX_REQUESTS_PER_FILE or self._bytes + len(line) > MAX_BYTES_PER_FILE
        if self._stream is None or full:
            self._finish()
            final = self._part(len(self.files) + 1)
            self.files.append(final)
            self._stream = final.with_name(f".{final.name}.partial").open("wb")
            self._count = self._bytes = 0
        self._stream.write(line)
        self._count += 1
        self._bytes += len(line)

    def _finish(self) -> None:
        if self._stream is not None:
            self._stream.flush()
            os.fsync(self._stream.fileno())
            self._stream.close()
            final = self.files[-1]
            os.replace(final.with_name(f".{final.name}.partial"), final)
            self._stream = None

    def close(self) -> None:
        self._finish()


def export_requests(
    extractor: Extractor,
    items: Iterable[InputItem],
    path: Path,
    *,
    sink: RecordSink | None = None,
    cache: ResultCache | None = None,
) -> ExportSummary:
    """Write the Batch API request file(s) for every article that still needs an answer.

    Input failures and cache hits go to `sink` (if given) instead of the file.
    """
    keys = CacheKeys(extractor) if cache is not None else None
    ledger = Ledger() if sink is None else None  # repeats are found on disk, not in memory
    summary = ExportSummary(batch=BatchSummary(model=extractor.model))
    writer = _SplitWriter(path)
    try:
        for item in items:
            summary.batch.inputs += 1
            article_id = item.article_id if isinstance(item, InputFailure) else item.id
            claim = sink.claim(article_id) if sink else _claim(ledger, article_id)
            if claim is not Claim.NEW:
                _skip(summary.batch, claim)
                continue
            if isinstance(item, InputFailure):
                summary.batch.input_failures += 1
                _record(sink, summary.batch, item.as_record())
                continue
            if cache is not None and keys is not None:
                hit = cache.get(keys.key(item), item)
                if hit is not None:
                    summary.batch.cache_hits += 1
                    _record(sink, summary.batch, hit)
                    continue
            try:
                chunks = extractor.chunks(item)
            except ArticleError as exc:  # over the size limit
                summary.batch.input_failures += 1
                _record(sink, summary.batch, InputFailure(item.id, str(exc)).as_record())
                continue
            for chunk in chunks:
                request = {
                    "custom_id": chunk.article.id,
                    "method": "POST",
                    "url": ENDPOINT,
                    "body": extractor.format.start(chunk.article).kwargs,
                }
                writer.write((json.dumps(request, ensure_ascii=False) + "\n").encode())
                summary.requests += 1
    finally:
        writer.close()
        if ledger is not None:
            ledger.close()
    summary.files = writer.files
    return summary


def _claim(ledger: Ledger | None, article_id: str) -> Claim:
    assert ledger is not None
    return ledger.claim(article_id, retry_failed=False)


def _record(sink: RecordSink | None, summary: BatchSummary, record: Record) -> None:
    summary.count(record, live=False)
    if sink is not None:
        sink.write(record)


def _skip(summary: BatchSummary, claim: Claim) -> None:
    if claim is Claim.DONE:
        summary.skipped_done += 1
    elif claim is Claim.FAILED:
        summary.skipped_failed += 1
    else:
        summary.duplicates += 1


class _Answers:
    """The provider's output lines by custom_id, in a private on-disk SQLite table."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect("", isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE answers (id TEXT PRIMARY KEY, line BLOB) WITHOUT ROWID")
        self.unreadable = 0
        self._db.execute("BEGIN")
        with path.open("rb") as stream:
            for line in stream:
                custom_id = _custom_id(line)
                if custom_id is None:
                    self.unreadable += line.strip() != b""
                    continue
                self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?)", (custom_id, line))
        self._db.execute("COMMIT")
        self.used = 0

    def take(self, custom_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT line FROM answers WHERE id = ?", (custom_id,)).fetchone()
        if row is None:
            return None
        self._db.execute("DELETE FROM answers WHERE id = ?", (custom_id,))
        self.used += 1
        answer: dict[str, Any] = json.loads(row[0])
        return answer

    def left(self) -> Iterator[str]:
        for (custom_id,) in self._db.execute("SELECT id FROM answers"):
            yield str(custom_id)

    def close(self) -> None:
        self._db.close()


def _custom_id(line: bytes) -> str | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    custom_id = data.get("custom_id") if isinstance(data, dict) else None
    return custom_id if isinstance(custom_id, str) else None


@dataclass
class ImportSummary:
    batch: BatchSummary
    unmatched: list[str]  # custom_ids in the output file that no input article has
    unreadable: int


def import_results(
    extractor: Extractor,
    items: Iterable[InputItem],
    output_file: Path,
    sink: RecordSink,
    *,
    cache: ResultCache | None = None,
    progress: BatchProgress | None = None,
) -> ImportSummary:
    """One record per input article from the provider's output file (see module docstring)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    keys = CacheKeys(extractor) if cache is not None else None
    summary = BatchSummary(model=extractor.model, batch_api=True)
    answers = _Answers(output_file)
    try:
        for item in items:
            summary.inputs += 1
            article_id = item.article_id if isinstance(item, InputFailure) else item.id
            claim = sink.claim(article_id)
            if claim is not Claim.NEW:
                _skip(summary, claim)
                if progress is not None:
                    progress.skip()
                continue
            if isinstance(item, InputFailure):
                summary.input_failures += 1
                record: Record = item.as_record()
                live = False
            else:
                record = _article_record(extractor, item, answers, output_file)
                live = True
                if cache is not None and keys is not None and isinstance(record, ExtractionResult):
                    cache.put(keys.key(item), record)
            sink.write(record)
            summary.count(record, live=live)
            if progress is not None:
                ok = isinstance(record, ExtractionResult)
                progress.record(ok=ok, tokens=record.usage.total_tokens if live else 0)
        unmatched = list(answers.left())
    finally:
        answers.close()
        if cache is not None:
            cache.commit()
    summary.elapsed_s = time.perf_counter() - started
    summary.cpu_s = time.process_time() - cpu_started
    return ImportSummary(batch=summary, unmatched=unmatched, unreadable=answers.unreadable)


def _article_record(
    extractor: Extractor, article: Article, answers: _Answers, output_file: Path
) -> Record:
    """The article's record from its chunks' answers, read as a live conversation would."""
    try:
        chunks = extractor.chunks(article)
    except ArticleError as exc:
        return InputFailure(article.id, str(exc)).as_record()
    taken = {chunk.article.id: answers.take(chunk.article.id) for chunk in chunks}
    conversation = Conversation(extractor.format, chunks, max_reasks=0)
    stats = CallStats()
    try:
        while (exchange := conversation.pending()) is not None:
            chunk_id = exchange.article.id
            completion = _completion(taken[chunk_id], chunk_id, output_file, stats, extractor)
            if isinstance(completion, ExtractionFailure):
                return completion.model_copy(update={"article_id": article.id})
            conversation.receive(completion)
        return extractor.result(article, chunks, conversation.answers(), stats, 0.0)
    except Exception as exc:
        return extractor.failure(exc, stats, 0.0).as_record(article.id)


def _completion(
    answer: dict[str, Any] | None,
    chunk_id: str,
    output_file: Path,
    stats: CallStats,
    extractor: Extractor,
) -> dict[str, Any] | ExtractionFailure:
    """One chunk's completion from the output file, or the failure that takes its place."""
    if answer is None:
        return ExtractionFailure(
            article_id=chunk_id,
            error_class="batch_error",
            message=f"no answer for {chunk_id} in {output_file.name}",
        )
    error = answer.get("error")
    response = answer.get("response") if isinstance(answer.get("response"), dict) else None
    if error or response is None:
        detail = error if isinstance(error, dict) else {"message": str(error or "no response")}
        message = f"{detail.get('code', 'error')}: {detail.get('message', '')}".strip()
        return ExtractionFailure(
            article_id=chunk_id,
            error_class="batch_error",
            message=extractor.redact(f"the Batch API answered an error: {message}")[:600],
        )
    body = response.get("body")
    completion = body if isinstance(body, dict) else {}
    status = int(response.get("status_code") or 0)
    stats.requests += 1
    if status != 200:
        raise status_error(status, {}, json.dumps(body).encode(), ENDPOINT)
    stats.answers += 1
    stats.last_completion = completion
    usage = completion.get("usage")
    if isinstance(usage, dict):
        stats.usage = stats.usage + Usage(
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            total_tokens=int(usage.get("total_tokens") or 0),
        )
    return completion
