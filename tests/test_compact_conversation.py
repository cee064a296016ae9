"""The compact answer path (the tuned embedded model's), against a scripted server (fixture)."""

from __future__ import annotations

import asyncio
import json

import pytest
from extractor_schemas import ExtractionResult

from extractor import ExtractionError, Extractor, load_settings
from extractor.articles import parse_article
from extractor.batch.runner import run_batch
from extractor.batch.sink import MemorySink
from tests.fakes.scripted_server import Reply, ScriptedServer, text_completion

ARTICLE = (
    "President Kassym-Jomart Tokayev met Xi Gohua, Chairman of CITIC Group, in Astana on "
    "May 27. They discussed oil refineries."
)
ANSWER = (
    "meeting occurred 2025-05-27 s1\n"
    "loc Astana\n"
    "person Kassym-Jomart Tokayev | President\n"
    "person Xi Gohua | Chairman | CITIC Group\n"
    "topics oil refineries"
)


def _extractor(server: ScriptedServer, **overrides: object) -> Extractor:
    settings = load_settings(
        base_url=server.base_url,
        model="fixture",
        answer_format="compact",
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
        **overrides,
    )
    return Extractor(settings)


def test_compact_answer_becomes_grounded_events(scripted_server: ScriptedServer) -> None:
    scripted_server.queue(Reply(200, text_completion(ANSWER)))
    with _extractor(scripted_server) as extractor:
        result = extractor.extract(ARTICLE, article_id="astana", published="2025-05-27")
    [request] = scripted_server.requests
    assert "tools" not in request and "response_format" not in request
    assert "[1] President Kassym-Jomart Tokayev met" in request["messages"][-1]["content"]
    assert result.prompt_version.startswith("compact-v1")
    [event] = result.events
    assert event.type == "meeting" and event.location == "Astana"
    assert [p.name for p in event.participants] == ["Kassym-Jomart Tokayev", "Xi Gohua"]
    assert event.evidence_span is not None
    assert ARTICLE[event.evidence_span.start : event.evidence_span.end] == event.evidence
    assert event.evidence.endswith("in Astana on May 27.")


def test_unreadable_then_ungrounded_answers_are_reasked(scripted_server: ScriptedServer) -> None:
    ungrounded = ANSWER.replace("Xi Gohua", "Elon Musk")
    scripted_server.queue(
        Reply(200, text_completion("meeting occurred 2025-05-27 s9")),
        Reply(200, text_completion(ungrounded)),
        Reply(200, text_completion(ANSWER)),
    )
    with _extractor(scripted_server) as extractor:
        result = extractor.extract(ARTICLE, article_id="astana")
    assert result.attempts == 3
    first_reask = scripted_server.requests[1]["messages"]
    assert first_reask[-2] == {"role": "assistant", "content": "meeting occurred 2025-05-27 s9"}
    assert "the article has 2 sentences" in first_reask[-1]["content"]
    second_reask = json.dumps(scripted_server.requests[2]["messages"])
    assert "'Elon Musk' does not occur in the article" in second_reask


def test_a_failed_event_is_dropped_and_the_valid_ones_kept(
    scripted_server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    looping = (
        ANSWER + "\nintent planned - s7\norg CITIC Group\nmeeting occurred - s2\nperson Nobody"
    )
    scripted_server.queue(Reply(200, text_completion(looping)))
    with _extractor(scripted_server) as extractor:
        result = extractor.extract(ARTICLE, article_id="astana")
    assert len(scripted_server.requests) == 1  # something usable: no re-ask
    assert [event.type for event in result.events] == ["meeting"]
    assert "dropped 2 of 3 events" in caplog.text
    assert "the article has 2 sentences" in caplog.text and "'Nobody'" in caplog.text


def test_spent_reasks_fail_with_the_reason(scripted_server: ScriptedServer) -> None:
    scripted_server.queue(*[Reply(200, text_completion("party occurred - s1"))] * 2)
    with (
        _extractor(scripted_server, max_reasks=1) as extractor,
        pytest.raises(ExtractionError) as caught,
    ):
        extractor.extract(ARTICLE, article_id="astana")
    assert caught.value.kind == "validation"
    assert caught.value.attempts == 2
    assert "party" in str(caught.value)


def test_cut_off_answer_keeps_the_events_before_its_unfinished_last_one(
    scripted_server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    looping = ANSWER + "\n" + ANSWER + "\n" + ANSWER[:40]
    scripted_server.queue(Reply(200, text_completion(looping, finish_reason="length")))
    with _extractor(scripted_server) as extractor:
        result = extractor.extract(ARTICLE, article_id="astana")
    assert len(scripted_server.requests) == 1
    [event] = result.events  # the loop's repeat is one happening; the cut one is not read
    assert [p.name for p in event.participants] == ["Kassym-Jomart Tokayev", "Xi Gohua"]
    assert "cut off at the token limit" in caplog.text


def test_cut_off_answer_without_a_whole_event_fails_unasked(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.queue(Reply(200, text_completion(ANSWER[:40], finish_reason="length")))
    with _extractor(scripted_server) as extractor, pytest.raises(ExtractionError) as caught:
        extractor.extract(ARTICLE, article_id="astana")
    assert len(scripted_server.requests) == 1
    assert "cut off at EXTRACTOR_MAX_TOKENS" in str(caught.value)


def test_no_events_answer(scripted_server: ScriptedServer) -> None:
    scripted_server.queue(Reply(200, text_completion("none")))
    with _extractor(scripted_server) as extractor:
        assert asyncio.run(extractor.aextract(ARTICLE, article_id="astana")).events == []


def test_batch_path_sends_and_reads_the_same(scripted_server: ScriptedServer) -> None:
    scripted_server.queue(
        Reply(200, text_completion("meeting occurred 2025-05-27 s1\nperson Nobody Known")),
        Reply(200, text_completion(ANSWER)),
    )
    sink = MemorySink()
    article = parse_article(ARTICLE, "astana")
    with _extractor(scripted_server) as extractor:
        single_request = extractor.format.start(article).kwargs
        asyncio.run(run_batch(extractor, [article], sink))
    record = sink.records["astana"]
    assert isinstance(record, ExtractionResult), record
    assert record.events[0].location == "Astana"
    assert scripted_server.requests[0] == json.loads(json.dumps(single_request))
    assert len(scripted_server.requests) == 2  # "Nobody Known" is not in the article: re-asked


def test_evidence_cited_one_sentence_off_is_moved_to_the_one_stating_the_event(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.queue(Reply(200, text_completion(ANSWER.replace(" s1\n", " s2\n"))))
    with _extractor(scripted_server) as extractor:
        [event] = extractor.extract(ARTICLE, article_id="astana").events
    assert event.evidence.startswith("President Kassym-Jomart Tokayev met Xi Gohua")
    assert event.evidence_span is not None
    assert ARTICLE[event.evidence_span.start : event.evidence_span.end] == event.evidence


SPLIT_ARTICLE = (
    ARTICLE
    + " "
    + " ".join(
        f"Officials said the weather in the capital stayed mild on day {n}." for n in range(25)
    )
)
INVALID = "meeting occurred - s1\nperson Nobody Known"


def _split_extractor(server: ScriptedServer) -> Extractor:
    return _extractor(server, max_reasks=1, chunk_tokens=300, chunk_overlap_tokens=0)


def test_a_chunk_without_a_usable_answer_adds_no_events(
    scripted_server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    scripted_server.queue(
        Reply(200, text_completion(ANSWER)), *[Reply(200, text_completion(INVALID))] * 2
    )
    with _split_extractor(scripted_server) as extractor:
        assert len(extractor.chunks(parse_article(SPLIT_ARTICLE, "split"))) == 2
        result = extractor.extract(SPLIT_ARTICLE, article_id="split")
    assert len(scripted_server.requests) == 3  # the second chunk was re-asked once
    assert [event.type for event in result.events] == ["meeting"]
    assert "split#2/2: no usable answer" in caplog.text and "Nobody Known" in caplog.text


def test_a_split_article_fails_when_no_chunk_is_usable(scripted_server: ScriptedServer) -> None:
    scripted_server.queue(*[Reply(200, text_completion(INVALID))] * 4)
    with _split_extractor(scripted_server) as extractor, pytest.raises(ExtractionError) as caught:
        asyncio.run(extractor.aextract(SPLIT_ARTICLE, article_id="split"))
    assert caught.value.kind == "validation" and "Nobody Known" in str(caught.value)
    assert len(scripted_server.requests) == 4


def test_the_batch_path_leaves_out_an_unusable_chunk_too(scripted_server: ScriptedServer) -> None:
    scripted_server.queue(
        Reply(200, text_completion(ANSWER)), *[Reply(200, text_completion(INVALID))] * 2
    )
    sink = MemorySink()
    with _split_extractor(scripted_server) as extractor:
        asyncio.run(run_batch(extractor, [parse_article(SPLIT_ARTICLE, "split")], sink))
    record = sink.records["split"]
    assert isinstance(record, ExtractionResult), record
    assert [event.type for event in record.events] == ["meeting"]


def test_a_model_that_does_not_speak_the_format_gets_a_clear_error(
    scripted_server: ScriptedServer,
) -> None:
    prose = "Here is a summary of the article. " * 40
    completion = text_completion(prose)
    completion["choices"][0]["finish_reason"] = "length"
    scripted_server.queue(Reply(200, completion))
    with _extractor(scripted_server) as extractor, pytest.raises(ExtractionError) as caught:
        extractor.extract(ARTICLE, article_id="astana")
    assert caught.value.kind == "validation"
    assert "not in the compact format" in str(caught.value)
    assert "EXTRACTOR_ANSWER_FORMAT=json" in str(caught.value)
    assert len(scripted_server.requests) == 1  # a re-ask would not help
