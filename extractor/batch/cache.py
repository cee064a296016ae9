"""A result cache: an article whose answer is already known costs no LLM call.

The key is a SHA-256 over the article text, its publication date, the model,
the prompt version, the schema version, the version of every rule that shapes an
answer (`extractor.versions`: codec, sentence splitter, chunking, date check,
anchoring, repeats, merge), and a fingerprint of the settings that shape the request
or the checks (answer format and mode, sampling, few-shot examples, decoding bounds,
name-match threshold, chunk sizes, the date check, the embedded GGUF and the bytes of
its LoRA adapter, which a retrained adapter changes under the same model name).
Only results are cached, never failures. A hit is the cached result with the
article id of the current input.
Stored in SQLite (WAL, so several batches can share it), by default in
`~/.cache/extractor/results.sqlite3` (`XDG_CACHE_HOME` honoured).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path

from extractor_schemas import SCHEMA_VERSION, Article, ExtractionResult

from .. import versions
from ..config import Settings
from ..pipeline import Extractor
from ..text.chunking import chunk_budget

CACHE_FILE = "results.sqlite3"
_COMMIT_EVERY = 2048  # and at least every second (the runner calls `commit`)


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "extractor"


def settings_fingerprint(extractor: Extractor) -> str:
    """Everything besides model, prompt and schema that changes what an answer is."""
    settings = extractor.settings
    answer_format = extractor.format
    shaping = {
        "format": answer_format.fingerprint(),
        "temperature": settings.temperature,
        "max_tokens": settings.answer_max_tokens,
        "name_match_threshold": settings.name_match_threshold,
        "chunks": chunk_budget(settings, answer_format.max_chunk_tokens),
        "check_dates": settings.check_dates,
        "rules": versions.rule_versions(),
        "embedded_model": str(settings.embedded_model_path) if settings.uses_embedded else None,
        "adapter": adapter_fingerprint(settings),
    }
    return hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()


def adapter_fingerprint(settings: Settings) -> str | None:
    """SHA-256 of the embedded server's LoRA adapter file, or None without one."""
    adapter = settings.adapter_path
    if adapter is None or not adapter.is_file():
        return None
    return hashlib.sha256(adapter.read_bytes()).hexdigest()


class CacheKeys:
    """Cache keys for one extractor's settings: the fixed part is hashed once."""

    def __init__(self, extractor: Extractor) -> None:
        fixed = [extractor.model, extractor.prompt_version, SCHEMA_VERSION]
        fixed.append(settings_fingerprint(extractor))
        self._fixed = json.dumps(fixed).encode()

    def key(self, article: Article) -> bytes:
        """128 bits of a SHA-256 over the fixed part, the date and the text."""
        digest = hashlib.sha256(self._fixed)
        digest.update(b"\0" + str(article.published or "").encode() + b"\0")
        digest.update(article.text.encode("utf-8", errors="surrogatepass"))
        return digest.digest()[:16]


class ResultCache:
    """SQLite table key -> result JSON, committed in batches and on close."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / CACHE_FILE
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(  # a rowid table: results are too large for WITHOUT ROWID
            "CREATE TABLE IF NOT EXISTS results (key BLOB PRIMARY KEY, created REAL NOT NULL, "
            "result TEXT NOT NULL)"
        )
        self._pending = 0
        self.hits = 0

    def get(self, key: bytes, article: Article) -> ExtractionResult | None:
        row = self._db.execute("SELECT result FROM results WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        cached = ExtractionResult.model_validate_json(row[0])
        self.hits += 1
        if cached.article_id == article.id:
            return cached
        return cached.model_copy(update={"article_id": article.id})

    def put(self, key: bytes, result: ExtractionResult, line: str | None = None) -> None:
        """Store a result (`line`: its JSON, if already made)."""
        if self._pending == 0:
            self._db.execute("BEGIN")
        self._db.execute(
            "INSERT OR REPLACE INTO results VALUES (?, ?, ?)",
            (key, time.time(), line or result.model_dump_json()),
        )
        self._pending += 1
        if self._pending >= _COMMIT_EVERY:
            self.commit()

    def commit(self) -> None:
        if self._pending:
            self._db.execute("COMMIT")
            self._pending = 0

    def close(self) -> None:
        self.commit()
        self._db.close()
