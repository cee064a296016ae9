"""OpenAI Batch API export and import, with hand-written FIXTURE provider output lines."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from extractor_schemas import ExtractionFailure, ExtractionResult

from extractor import Extractor, load_settings
from extractor.articles import parse_article
from extractor.batch import openai_batch
from extractor.batch.cache import ResultCache
from extractor.batch.inputs import read_inputs, resolve
from extractor.batch.openai_batch import export_requests, import_results
from extractor.batch.records import read_records
from extractor.batch.sink import JsonlSink
from tests.fakes.scripted_server import Reply, ScriptedServer, tool_call_completion
from tests.test_batch_request import ASTANA, GROUNDED, INVENTED

TEXTS = {
    "a": ASTANA,
    "b": ASTANA,
    "c": ASTANA,
    "d": ASTANA,
    "e": ASTANA,
    "f": ASTANA,
}


def _extractor(base_url: str = "http://127.0.0.1:9/v1") -> Extractor:
    return Extractor(load_settings(base_url=base_url, model="gpt-4o-mini"))


def _inputs(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": key, "text": text}) for key, text in TEXTS.items()]
    path.write_text("\n".join(lines) + "\nnot json\n", "utf-8")
    return path


def _output_line(custom_id: str, **fields: Any) -> str:
    line = {"id": f"batch_req_{custom_id}", "custom_id": custom_id, "error": None, **fields}
    return json.dumps(line)


def test_export_writes_the_live_request_body_per_article(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    out = tmp_path / "results.jsonl"
    with JsonlSink(out) as sink:
        summary = export_requests(
            _extractor(), read_inputs(resolve([inputs])), tmp_path / "req.jsonl", sink=sink
        )
    requests = [json.loads(line) for line in (tmp_path / "req.jsonl").read_text().splitlines()]
    assert summary.requests == 6 and [r["custom_id"] for r in requests] == list(TEXTS)
    assert {(r["method"], r["url"]) for r in requests} == {("POST", "/v1/chat/completions")}
    # The malformed line cannot be exported: it is a failure record in the results file.
    [failure] = read_records(out).values()
    assert failure.article_id == f"{inputs}:7"

    with ScriptedServer() as server:
        server.queue(Reply(200, tool_call_completion(GROUNDED)))
        with Extractor(load_settings(base_url=server.base_url, model="gpt-4o-mini")) as live:
            live.extract(parse_article(ASTANA, "a"))
    assert requests[0]["body"] == server.requests[0]


def test_export_splits_files_at_the_batch_api_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(openai_batch, "MAX_REQUESTS_PER_FILE", 2)
    summary = export_requests(
        _extractor(), read_inputs(resolve([_inputs(tmp_path)])), tmp_path / "req.jsonl"
    )
    names = [path.name for path in summary.files]
    assert names == ["req.jsonl", "req-2.jsonl", "req-3.jsonl"]
    counts = [len(path.read_text().splitlines()) for path in summary.files]
    assert counts == [2, 2, 2]


def test_import_validates_grounds_and_records_every_article(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    ok = tool_call_completion(GROUNDED, prompt_tokens=1000, completion_tokens=100)
    invalid = tool_call_completion(INVENTED)
    cut = copy.deepcopy(ok)
    cut["choices"][0]["finish_reason"] = "length"
    provider_output = tmp_path / "batch_output.jsonl"
    provider_output.write_text(
        "\n".join(
            [
                _output_line("b", response={"status_code": 200, "body": invalid}),
                _output_line("a", response={"status_code": 200, "body": ok}),
                _output_line("c", response=None, error={"code": "expired", "message": "late"}),
                _output_line(
                    "d",
                    response={"status_code": 500, "body": {"error": {"message": "server"}}},
                ),
                _output_line("f", response={"status_code": 200, "body": cut}),
                _output_line("zzz", response={"status_code": 200, "body": ok}),
            ]
        )
        + "\n",
        "utf-8",
    )
    out = tmp_path / "results.jsonl"
    cache = ResultCache(tmp_path / "cache")
    with JsonlSink(out) as sink:
        imported = import_results(
            _extractor(), read_inputs(resolve([inputs])), provider_output, sink, cache=cache
        )
    cache.close()
    records = read_records(out)
    assert sorted(records) == sorted([*TEXTS, f"{inputs}:7"])
    result = records["a"]
    assert isinstance(result, ExtractionResult) and result.events[0].evidence_span is not None
    assert result.usage.total_tokens == 1100 and result.attempts == 1
    classes = {
        key: record.error_class
        for key, record in records.items()
        if isinstance(record, ExtractionFailure)
    }
    assert classes == {
        "b": "validation_error",
        "c": "batch_error",
        "d": "transport_error",
        "e": "batch_error",
        "f": "validation_error",
        f"{inputs}:7": "input_error",
    }
    assert "is not text of the article" in records["b"].message  # type: ignore[union-attr]
    assert "cut off" in records["f"].message  # type: ignore[union-attr]
    assert imported.unmatched == ["zzz"]
    assert imported.batch.usage.total_tokens >= 1100
    assert imported.batch.batch_api


def _meeting_answer(sentence: str, names: tuple[str, str]) -> dict[str, Any]:
    return {
        "events": [
            {
                "type": "meeting",
                "evidence": sentence,
                "status": "occurred",
                "date": None,
                "location": None,
                "participants": [
                    {"name": name, "kind": "organization", "title": None, "affiliation": None}
                    for name in names
                ],
                "topics": [],
            }
        ]
    }


def _long_article(tmp_path: Path, text: str) -> tuple[Extractor, list[Any]]:
    """An extractor with small chunks, and `text` as the one article of in.jsonl."""
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "long", "text": text}) + "\n")
    settings = load_settings(
        base_url="http://127.0.0.1:9/v1",
        model="gpt-4o-mini",
        chunk_tokens=200,
        chunk_overlap_tokens=0,
    )
    extractor = Extractor(settings)
    return extractor, extractor.chunks(parse_article(text, "long"))


def test_a_long_article_is_one_request_per_chunk_and_its_answers_merge(tmp_path: Path) -> None:
    """Export sends each chunk exactly as a live call does; import merges the chunks."""
    first = "Acme Corp met Beta Mining in Lima to discuss a copper smelter."
    last = "Gamma Power met Delta Grid in Quito to discuss a new power line."
    filler = " ".join(f"Officials said the weather stayed mild on day {n}." for n in range(40))
    text = f" date 2025-03-04 {first} {filler} {last}"
    extractor, chunks = _long_article(tmp_path, text)
    assert len(chunks) >= 3
    export_requests(extractor, read_inputs(resolve([tmp_path / "in.jsonl"])), tmp_path / "r.jsonl")
    requests = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [r["custom_id"] for r in requests] == [c.article.id for c in chunks]
    for request, chunk in zip(requests, chunks, strict=True):
        assert request["body"] == json.loads(extractor.format.start(chunk.article).body())

    answers = {
        chunks[0].article.id: _meeting_answer(first, ("Acme Corp", "Beta Mining")),
        chunks[-1].article.id: _meeting_answer(last, ("Gamma Power", "Delta Grid")),
    }
    lines = []
    for chunk in chunks:
        completion = tool_call_completion(answers.get(chunk.article.id, {"events": []}))
        lines.append(
            _output_line(chunk.article.id, response={"status_code": 200, "body": completion})
        )
    (tmp_path / "out.jsonl").write_text("\n".join(reversed(lines)) + "\n")  # any order
    with JsonlSink(tmp_path / "results.jsonl") as sink:
        summary = import_results(
            extractor,
            read_inputs(resolve([tmp_path / "in.jsonl"])),
            tmp_path / "out.jsonl",
            sink,
        )
    assert summary.unmatched == []
    [record] = read_records(tmp_path / "results.jsonl").values()
    assert isinstance(record, ExtractionResult), record
    assert [e.evidence for e in record.events] == [first, last]
    for event in record.events:  # offsets in the whole article, not in the chunk
        assert event.evidence_span is not None
        assert text[event.evidence_span.start : event.evidence_span.end] == event.evidence
    assert record.requests == len(chunks)


def test_a_chunk_without_an_answer_fails_its_article(tmp_path: Path) -> None:
    filler = " ".join(f"Officials said the weather stayed mild on day {n}." for n in range(40))
    text = f" date 2025-03-04 {filler}"
    extractor, chunks = _long_article(tmp_path, text)
    completion = tool_call_completion({"events": []})
    line = _output_line(chunks[0].article.id, response={"status_code": 200, "body": completion})
    (tmp_path / "out.jsonl").write_text(line + "\n")
    with JsonlSink(tmp_path / "results.jsonl") as sink:
        import_results(
            extractor, read_inputs(resolve([tmp_path / "in.jsonl"])), tmp_path / "out.jsonl", sink
        )
    [record] = read_records(tmp_path / "results.jsonl").values()
    assert isinstance(record, ExtractionFailure)
    assert record.article_id == "long" and record.error_class == "batch_error"
    assert chunks[1].article.id in record.message
