"""The batch output file: whole-line appends, resume, torn tails, one record per id at the end."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from extractor_schemas import ExtractionFailure, ExtractionResult

from extractor.batch.ledger import Claim
from extractor.batch.records import read_records, record_key
from extractor.batch.sink import JsonlSink, OutputBusy


def _result(article_id: str) -> ExtractionResult:
    return ExtractionResult(
        article_id=article_id,
        model="m",
        prompt_version="v",
        attempts=1,
        requests=1,
        latency_s=0.1,
    )


def _failure(article_id: str) -> ExtractionFailure:
    return ExtractionFailure(article_id=article_id, error_class="transport_error", message="503")


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["article_id"] for line in path.read_text("utf-8").splitlines()]


def test_records_are_whole_lines_and_resume_skips_done_ids(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with JsonlSink(path) as sink:
        assert sink.claim("a") is Claim.NEW
        sink.write(_result("a"))
        assert sink.claim("b") is Claim.NEW
        sink.write(_failure("b"))
        assert sink.claim("a") is Claim.DUPLICATE
    with JsonlSink(path) as sink:
        assert (sink.resumed.results, sink.resumed.failures) == (1, 1)
        assert sink.claim("a") is Claim.DONE
        assert sink.claim("b") is Claim.FAILED
        assert sink.claim("c") is Claim.NEW
        assert sink.claim("b") is Claim.DUPLICATE
    assert _ids(path) == ["a", "b"]


def test_retried_failures_are_replaced_and_the_file_compacted(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with JsonlSink(path) as sink:
        for article_id in ("a", "b", "c"):
            sink.claim(article_id)
            sink.write(_failure(article_id) if article_id == "b" else _result(article_id))
    with JsonlSink(path, retry_failed=True) as sink:
        assert sink.claim("a") is Claim.DONE
        assert sink.claim("b") is Claim.NEW
        sink.write(_result("b"))
        # Before the run ends the file holds both records of b; the last one wins.
        assert _ids(path) == ["a", "b", "c", "b"]
        assert isinstance(read_records(path)["b"], ExtractionResult)
    assert _ids(path) == ["a", "c", "b"]
    assert all(isinstance(r, ExtractionResult) for r in read_records(path).values())


def test_a_torn_last_line_is_cut_and_its_id_redone(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    whole = _result("a").model_dump_json() + "\n"
    path.write_text(whole + _result("b").model_dump_json()[:40], "utf-8")
    with JsonlSink(path) as sink:
        assert sink.resumed.torn_bytes == 40
        assert sink.claim("b") is Claim.NEW
        sink.write(_result("b"))
    assert _ids(path) == ["a", "b"]


def test_unreadable_lines_are_dropped_when_the_run_ends(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text("garbage\n" + _result("a").model_dump_json() + "\n", "utf-8")
    with JsonlSink(path) as sink:
        assert sink.resumed.unreadable == 1
    assert _ids(path) == ["a"]


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with JsonlSink(path), pytest.raises(OutputBusy):
        JsonlSink(path).open()


def test_record_key_reads_our_lines_fast_and_others_fully() -> None:
    ours = _result('quote"d\\id').model_dump_json().encode()
    assert record_key(ours) == ('quote"d\\id', "result")
    theirs = json.dumps({"article_id": "x", "record": "failure", "message": "m"}).encode()
    assert record_key(theirs) == ("x", "failure")
    assert record_key(b'{"article_id": "x"}') is None
    assert record_key(b"not json") is None


def test_a_failed_write_leaves_no_partial_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.jsonl"
    real_write = os.write

    def disk_full_halfway(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    with JsonlSink(path) as sink:
        sink.claim("a")
        sink.write(_result("a"))
        monkeypatch.setattr(os, "write", disk_full_halfway)
        with pytest.raises(OSError, match="No space"):
            sink.write(_result("b"))
        monkeypatch.setattr(os, "write", real_write)
        sink.write(_result("c"))
    assert _ids(path) == ["a", "c"]


@pytest.mark.parametrize(("failed", "shown"), [(0, False), (3, True)])
def test_the_summary_mentions_earlier_failures_only_when_some_were_skipped(
    failed: int, shown: bool
) -> None:
    from io import StringIO

    from rich.console import Console

    from extractor.batch.prices import load_prices
    from extractor.batch.summary import BatchSummary, print_summary

    summary = BatchSummary(model="m", skipped_done=2, skipped_failed=failed)
    out = StringIO()
    print_summary(summary, Console(file=out, width=200), load_prices())
    assert ("--retry-failed retries them" in out.getvalue()) is shown
    assert "2 already done" in out.getvalue()
