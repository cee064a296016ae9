"""`run_batch` against loopback FIXTURE servers: one record per id, resume, retries, cache.

The grounded answers come from tests/fakes/stub_server.py (hand-written rules, not a
model); scripted failures from tests/fakes/scripted_server.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from extractor_schemas import Article, ExtractionFailure, ExtractionResult

from extractor import Extractor, load_settings
from extractor.articles import parse_article
from extractor.batch.cache import CacheKeys, ResultCache, adapter_fingerprint
from extractor.batch.inputs import InputItem, read_inputs, resolve
from extractor.batch.limits import RateLimits
from extractor.batch.records import read_records
from extractor.batch.runner import run_batch
from extractor.batch.sink import JsonlSink, MemorySink
from tests.fakes.scripted_server import Reply, ScriptedServer, tool_call_completion
from tests.fakes.stub_server import StubServer
from tests.fakes.synthetic_articles import synthetic_articles

NO_EVENTS = Reply(200, tool_call_completion({"events": []}))


@pytest.fixture(scope="module")
def stub() -> Iterator[StubServer]:
    with StubServer(latency_ms=5) as server:
        yield server


def _extractor(base_url: str, **overrides: Any) -> Extractor:
    values: dict[str, Any] = {
        "base_url": base_url,
        "model": "stub-model",
        "backoff_initial_s": 0.01,
        "backoff_max_s": 0.02,
        **overrides,
    }
    return Extractor(load_settings(**values))


def _write_jsonl(path: Path, n: int, extra: bytes = b"") -> Path:
    with path.open("wb") as out:
        for article in synthetic_articles(n, seed=3):
            out.write((json.dumps(article) + "\n").encode())
        out.write(extra)
    return path


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


async def _run(
    extractor: Extractor, inputs: Path, output: Path, **options: Any
) -> tuple[Any, list[dict[str, Any]]]:
    retry_failed = options.pop("retry_failed", False)
    with JsonlSink(output, retry_failed=retry_failed) as sink:
        summary = await run_batch(extractor, read_inputs(resolve([inputs])), sink, **options)
    return summary, _lines(output)


async def test_one_record_per_id_with_bad_lines_and_repeats(
    stub: StubServer, tmp_path: Path
) -> None:
    bad = b'not json\n{"id": "syn-3-0000002", "text": "a repeated id"}\n{"id": "e", "text": ""}\n'
    inputs = _write_jsonl(tmp_path / "in.jsonl", 40, bad)
    before = stub.requests
    summary, records = await _run(
        _extractor(stub.base_url), inputs, tmp_path / "out.jsonl", concurrency=8
    )
    ids = [r["article_id"] for r in records]
    assert len(ids) == len(set(ids)) == 42
    assert stub.requests - before == 40
    results = [r for r in records if r["record"] == "result"]
    assert len(results) == 40 and all(r["events"] for r in results)
    failures = {r["article_id"]: r for r in records if r["record"] == "failure"}
    assert set(failures) == {f"{inputs}:41", "e"}
    assert all(f["error_class"] == "input_error" for f in failures.values())
    assert (summary.inputs, summary.duplicates, summary.results, summary.failures) == (43, 1, 40, 2)
    assert summary.requests == 40 and summary.usage.total_tokens > 0
    assert summary.latency.percentile(0.5) is not None


async def test_resume_sends_only_what_is_missing(stub: StubServer, tmp_path: Path) -> None:
    inputs = _write_jsonl(tmp_path / "in.jsonl", 30)
    output = tmp_path / "out.jsonl"
    partial = _lines(inputs)[:12]
    await _run(_extractor(stub.base_url), _write_jsonl(tmp_path / "part.jsonl", 12), output)
    assert len(_lines(output)) == len(partial)
    before = stub.requests
    summary, records = await _run(_extractor(stub.base_url), inputs, output, concurrency=4)
    assert stub.requests - before == 18
    assert summary.skipped_done == 12
    assert sorted(r["article_id"] for r in records) == sorted(a["id"] for a in _lines(inputs))


async def test_failures_are_kept_until_retry_failed(tmp_path: Path) -> None:
    inputs = tmp_path / "in.jsonl"
    inputs.write_text(
        "".join(json.dumps({"id": i, "text": f"Article {i} body text."}) + "\n" for i in "abc")
    )
    output = tmp_path / "out.jsonl"
    with ScriptedServer() as server:
        server.queue(NO_EVENTS, Reply(503, {"error": {"message": "overloaded"}}), NO_EVENTS)
        extractor = _extractor(server.base_url, transport_max_attempts=1)
        summary, records = await _run(extractor, inputs, output, concurrency=1)
        assert [r["record"] for r in records] == ["result", "failure", "result"]
        assert records[1]["error_class"] == "transport_error" and records[1]["requests"] == 1
        assert summary.error_classes == {"transport_error": 1}

        summary, records = await _run(extractor, inputs, output)
        assert len(server.requests) == 3  # nothing sent again
        assert summary.skipped_failed == 1 and summary.skipped_done == 2

        server.queue(NO_EVENTS)
        summary, records = await _run(extractor, inputs, output, retry_failed=True)
    assert len(server.requests) == 4
    assert [(r["article_id"], r["record"]) for r in records] == [
        ("a", "result"),
        ("c", "result"),
        ("b", "result"),
    ]


async def test_the_cache_answers_a_rerun_without_any_call(stub: StubServer, tmp_path: Path) -> None:
    inputs = _write_jsonl(tmp_path / "in.jsonl", 20)
    output = tmp_path / "out.jsonl"
    cache = ResultCache(tmp_path / "cache")
    extractor = _extractor(stub.base_url)
    await _run(extractor, inputs, output, cache=cache)
    first = read_records(output)
    output.unlink()
    before = stub.requests
    summary, _ = await _run(extractor, inputs, output, cache=cache)
    cache.close()
    assert stub.requests == before
    assert summary.cache_hits == 20 and summary.requests == 0
    assert read_records(output) == first


def test_cache_keys_change_with_what_shapes_the_answer() -> None:
    article = parse_article(" date 2024-01-01 Some body text.", "a")
    same_text = parse_article(" date 2024-01-01 Some body text.", "other-id")
    base = CacheKeys(_extractor("http://127.0.0.1:9/v1"))
    assert base.key(article) == base.key(same_text)
    assert base.key(article) != base.key(parse_article("Some body text.", "a", "2024-01-02"))
    for changed in (
        {"model": "m2"},
        {"temperature": 0.5},
        {"few_shot": "none"},
        {"check_dates": False},
        {"chunk_tokens": 600},
    ):
        other = CacheKeys(_extractor("http://127.0.0.1:9/v1", **changed))
        assert other.key(article) != base.key(article), changed


def test_a_retrained_adapter_under_the_same_name_changes_the_cache_key(tmp_path: Path) -> None:
    adapter = tmp_path / "events-lora.gguf"
    adapter.write_bytes(b"first training run")
    settings = load_settings(embedded_adapter=str(adapter))
    first = adapter_fingerprint(settings)
    adapter.write_bytes(b"second training run")
    assert first is not None and adapter_fingerprint(settings) not in (None, first)
    assert adapter_fingerprint(load_settings(embedded_adapter="none")) is None


class CountingLimits(RateLimits):
    """Counts what the limiter is asked for instead of waiting (no timing in tests)."""

    def __init__(self) -> None:
        super().__init__(rpm=1000, tpm=1_000_000)
        self.requests = 0
        self.tokens = 0

    async def before_request(self, estimated_tokens: int) -> None:
        self.requests += 1
        self.tokens += estimated_tokens

    async def after_answer(self, estimated_tokens: int, actual_tokens: int) -> None:
        self.tokens += max(actual_tokens - estimated_tokens, 0)


async def test_every_http_request_passes_the_rate_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limits = CountingLimits()
    monkeypatch.setattr("extractor.batch.runner.RateLimits", lambda rpm, tpm: limits)
    items: list[InputItem] = [parse_article("Body one.", "x")]
    with ScriptedServer() as server:
        server.queue(Reply(429, {"error": {"message": "slow"}}, {"retry-after": "0"}), NO_EVENTS)
        sink = MemorySink()
        await run_batch(_extractor(server.base_url), items, sink, rpm=10)
    assert limits.requests == 2
    assert limits.tokens >= 100  # the fixture's answer reports 120 tokens
    assert isinstance(sink.records["x"], ExtractionResult)


async def test_memory_sink_collects_records_for_python_callers(stub: StubServer) -> None:
    articles: list[InputItem] = [
        parse_article(a["text"], a["id"], a["published"]) for a in synthetic_articles(5, seed=9)
    ]
    sink = MemorySink()
    summary = await run_batch(_extractor(stub.base_url), articles, sink, concurrency=2)
    assert sorted(sink.records) == sorted(a.id for a in articles if isinstance(a, Article))
    assert summary.results == 5
    assert not any(isinstance(r, ExtractionFailure) for r in sink.records.values())


async def test_no_backend_is_opened_when_no_article_needs_it() -> None:
    """Invalid inputs only: every one gets its record and the endpoint is never contacted
    (a backend that cannot be reached would make the run raise)."""
    from extractor.batch.inputs import InputFailure

    sink = MemorySink()
    with _extractor("http://127.0.0.1:9/v1") as extractor:
        inputs: list[InputItem] = [InputFailure(f"bad{n}", "not an article") for n in range(3)]
        summary = await run_batch(extractor, inputs, sink)
        assert extractor.backend.embedded is None and extractor.backend._client is None
    assert sorted(sink.records) == ["bad0", "bad1", "bad2"]
    assert summary.input_failures == 3


async def test_an_unreachable_backend_still_fails_the_run_when_an_article_needs_it() -> None:
    from extractor import BackendUnavailable

    with _extractor("http://127.0.0.1:9/v1") as extractor, pytest.raises(BackendUnavailable):
        await run_batch(extractor, [parse_article("Acme met Beta Corp.", "a")], MemorySink())
