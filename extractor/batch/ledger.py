"""Which article ids a batch output holds, kept on disk so memory does not grow with the input.

A private SQLite database that SQLite deletes itself when it is closed (or the
process dies): it is rebuilt from the output file at every start, so the output
file stays the only truth. It lives in one open transaction (nothing in it needs
to be durable), which keeps each look-up at a few microseconds.
"""

from __future__ import annotations

import sqlite3
from enum import Enum


class Claim(Enum):
    """What to do with an input id."""

    NEW = "new"  # no record yet (or a failure to retry): extract it
    DONE = "done"  # a result is already in the output: skip
    FAILED = "failed"  # a failure is in the output and failures are not retried: skip
    DUPLICATE = "duplicate"  # the id came earlier in this run's input: skip


_NONE, _RESULT, _FAILURE = 0, 1, 2


class Ledger:
    """id -> (kind of its last record, line of that record, taken by this run)."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(
            "CREATE TABLE ids (id TEXT PRIMARY KEY, kind INTEGER NOT NULL, "
            "line INTEGER NOT NULL, taken INTEGER NOT NULL) WITHOUT ROWID"
        )
        self._db.execute("BEGIN")
        self._retried: set[str] = set()  # ids claimed again after an earlier failure

    def recorded(self, article_id: str, is_result: bool, line: int) -> bool:
        """Note a record at `line`; True if it supersedes an earlier line of the same id."""
        kind = _RESULT if is_result else _FAILURE
        if article_id in self._retried:
            self._retried.discard(article_id)
            self._db.execute(
                "UPDATE ids SET kind = ?, line = ? WHERE id = ?", (kind, line, article_id)
            )
            return True
        inserted = self._db.execute(
            "INSERT INTO ids VALUES (?, ?, ?, 0) ON CONFLICT (id) DO UPDATE "
            "SET kind = excluded.kind, line = excluded.line WHERE ids.line < 0",
            (article_id, kind, line),
        ).rowcount
        if inserted:
            return False
        # The id already had a line (a repeat inside the file being resumed).
        self._db.execute("UPDATE ids SET kind = ?, line = ? WHERE id = ?", (kind, line, article_id))
        return True

    def claim(self, article_id: str, retry_failed: bool) -> Claim:
        """Decide for an input id and remember that this run has seen it."""
        fresh = self._db.execute(
            "INSERT INTO ids VALUES (?, ?, -1, 1) ON CONFLICT (id) DO NOTHING",
            (article_id, _NONE),
        ).rowcount
        if fresh:
            return Claim.NEW
        kind, taken = self._db.execute(
            "SELECT kind, taken FROM ids WHERE id = ?", (article_id,)
        ).fetchone()
        if taken:
            return Claim.DUPLICATE
        self._db.execute("UPDATE ids SET taken = 1 WHERE id = ?", (article_id,))
        if kind == _RESULT:
            return Claim.DONE
        if kind == _FAILURE and not retry_failed:
            return Claim.FAILED
        self._retried.add(article_id)
        return Claim.NEW

    def counts(self) -> tuple[int, int]:
        """(ids whose last record is a result, ids whose last record is a failure)."""
        rows = dict(self._db.execute("SELECT kind, count(*) FROM ids GROUP BY kind").fetchall())
        return int(rows.get(_RESULT, 0)), int(rows.get(_FAILURE, 0))

    def last_line(self, article_id: str) -> int | None:
        row = self._db.execute("SELECT line FROM ids WHERE id = ?", (article_id,)).fetchone()
        return None if row is None else int(row[0])

    def close(self) -> None:
        self._db.close()
