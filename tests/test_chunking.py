"""Long articles: overlapping chunks, merged events, offsets in the whole article."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

import pytest
from extractor_schemas import (
    Article,
    ExtractionFailure,
    ExtractionResult,
    Meeting,
    Participant,
    Span,
)

from extractor import ConfigError, ExtractionError, load_settings, parse_article
from extractor.batch.runner import run_batch
from extractor.batch.sink import MemorySink
from extractor.checks.merge import merge_events
from extractor.formats import CompactFormat
from extractor.text.chunking import (
    CHARS_PER_ASCII_TOKEN,
    Chunk,
    approx_tokens,
    chunk_budget,
    split_article,
)
from tests.conftest import ROOT
from tests.fakes.fault_server import FAULTS, OK, FaultServer, even_rates
from tests.fault_helpers import fault_extractor

FILLER = (
    "Analysts in the region expect demand for steel and cement to stay firm this year.",
    "The provincial budget for roads was revised twice during the last session.",
    "Local traders said prices at the wholesale market were broadly stable.",
    "A spokesperson declined to comment on the timetable for the next phase.",
    "Rainfall in the northern districts was close to the seasonal average.",
    "The exchange rate moved within a narrow band for most of the week.",
    "Several ports reported longer waiting times for bulk carriers in the spring.",
)
ORGS = ("Zenith Mining Group", "Harbor Authority", "Northwind Energy", "Alder Rail Company")

COMPACT_CHUNK_TOKENS = CompactFormat.max_chunk_tokens or 0


def trigger(i: int) -> str:
    """A sentence the fault server turns into an event; a distinct happening through its
    day (the date check reads it), unique through its number."""
    one, two = ORGS[i % len(ORGS)], ORGS[(i + 1) % len(ORGS)]
    day = date(2023, 1, 1) + timedelta(days=i)
    on = f"on {day.day} {day:%B %Y}"
    if i % 2:
        return f"Delegates of {one} met officials of {two} in Port Alder {on} for round {i}."
    return f"Directors of {one} signed a supply contract with {two} {on} under lot {i}."


def long_article(words: int = 30_000, seed: int = 3) -> tuple[str, list[str]]:
    """A dated article of at least `words` words, every fifth sentence an event."""
    rng = random.Random(seed)
    sentences: list[str] = []
    triggers: list[str] = []
    count = 0
    while count < words:
        if len(sentences) % 5 == 4:
            sentence = trigger(len(triggers))
            triggers.append(sentence)
        else:
            sentence = rng.choice(FILLER)
        sentences.append(sentence)
        count += len(sentence.split())
    paragraphs = [" ".join(sentences[i : i + 6]) for i in range(0, len(sentences), 6)]
    return " date 2025-03-14 " + "\n\n".join(paragraphs), triggers


def test_a_short_article_is_sent_whole() -> None:
    article = parse_article(" date 2025-01-02 Short text. Nothing more.", "a")
    [chunk] = split_article(article, load_settings())
    assert chunk.article is article and (chunk.start, chunk.end) == (0, len(article.text))


def test_default_budget_fits_the_embedded_context() -> None:
    tokens, overlap = chunk_budget(load_settings(embedded_adapter="none"))
    assert tokens == 8192 - 2048 - 2048
    assert overlap == 200
    json_answers = load_settings(embedded_ctx=32768, max_tokens=1024, answer_format="json")
    assert chunk_budget(json_answers)[0] == 29696


def test_compact_answers_get_chunks_as_long_as_the_training_articles() -> None:
    tokens, overlap = chunk_budget(load_settings(answer_format="compact"), COMPACT_CHUNK_TOKENS)
    assert (tokens, overlap) == (COMPACT_CHUNK_TOKENS, COMPACT_CHUNK_TOKENS // 4)  # overlap capped


def test_a_compact_chunk_is_no_longer_than_most_training_articles() -> None:
    # The articles the shipped adapter was trained on (batches hand-1 to hand-4, t001-t349).
    trained = [
        path
        for path in (ROOT / "training" / "articles").glob("t*.txt")
        if int(path.name[1:4]) <= 349
    ]
    lengths = [len(path.read_text()) for path in trained]
    assert len(lengths) == 349
    longer = sum(length > COMPACT_CHUNK_TOKENS * CHARS_PER_ASCII_TOKEN for length in lengths)
    assert 0.02 <= longer / len(lengths) <= 0.10, "chunks should match what the adapter read"


def test_approximate_tokens_err_on_the_safe_side() -> None:
    assert approx_tokens("abcd" * 100) == 100
    assert approx_tokens("Привет мир") == 9 + 1  # non-ASCII: one token a character
    assert approx_tokens("") == 0


def test_overlap_must_leave_room() -> None:
    with pytest.raises(ConfigError, match="EXTRACTOR_CHUNK_OVERLAP_TOKENS must be at most half"):
        load_settings(chunk_tokens=300, chunk_overlap_tokens=200)


def test_chunks_cover_the_body_within_budget_and_overlap() -> None:
    text, _ = long_article(3_000)
    article = parse_article(text, "long")
    settings = load_settings(chunk_tokens=500, chunk_overlap_tokens=60)
    chunks = split_article(article, settings)
    assert len(chunks) > 5
    assert chunks[0].start == article.body_start
    assert chunks[-1].end == len(text.rstrip())
    for chunk in chunks:
        assert chunk.article.text == text[chunk.start : chunk.end]
        assert approx_tokens(chunk.article.text) <= 500
        assert chunk.article.published == article.published
        assert chunk.article.body_start == 0
    for before, after in itertools.pairwise(chunks):
        assert before.start < after.start < before.end  # overlapping, and moving on
        assert approx_tokens(text[after.start : before.end]) <= 60 + 1
        assert text[after.start - 1] in " \n"  # a chunk starts at a sentence


def test_an_overlong_sentence_is_cut_at_spaces() -> None:
    words = " ".join(f"word{i}" for i in range(2_000))  # one "sentence", no full stop
    article = parse_article(words, "run-on")
    chunks = split_article(article, load_settings(chunk_tokens=200, chunk_overlap_tokens=0))
    assert len(chunks) > 10
    assert all(approx_tokens(c.article.text) <= 200 for c in chunks)
    assert "".join(words[c.start : c.end] + " " for c in chunks).split() == words.split()
    assert all(c.article.text.startswith("word") for c in chunks)


def test_text_without_spaces_is_cut_anyway() -> None:
    article = parse_article("ж" * 5_000, "no-spaces")
    chunks = split_article(article, load_settings(chunk_tokens=300, chunk_overlap_tokens=0))
    assert [c.end - c.start for c in chunks] == [300] * 16 + [200]


def _meeting(evidence: str, start: int, *names: str, topics: list[str] | None = None) -> Meeting:
    return Meeting(
        evidence=evidence,
        status="occurred",
        participants=[Participant(name=n, kind="organization") for n in names],
        topics=topics or [],
        evidence_span=Span(start=start, end=start + len(evidence)),
    )


def test_merge_shifts_offsets_and_joins_overlap_duplicates() -> None:
    text = "A met B. C met D. E met F."
    article = Article(id="m", text=text)
    first = Chunk(0, 17, Article(id="m#1/2", text=text[0:17]))
    second = Chunk(9, 26, Article(id="m#2/2", text=text[9:26]))
    answers = [
        [_meeting("A met B.", 0, "A", "B"), _meeting("C met D.", 9, "C", topics=["ports"])],
        [_meeting("C met D.", 0, "C", "D", topics=["rail"]), _meeting("E met F.", 9, "E")],
    ]
    merged = merge_events([first, second], answers)
    assert [e.evidence for e in merged] == ["A met B.", "C met D.", "E met F."]
    for event in merged:
        assert event.evidence_span is not None
        assert article.text[event.evidence_span.start : event.evidence_span.end] == event.evidence
    joined = merged[1]
    assert isinstance(joined, Meeting)
    assert [p.name for p in joined.participants] == ["C", "D"]
    assert joined.topics == ["ports", "rail"]


def test_merge_keeps_two_events_of_one_chunk() -> None:
    """Two events with one evidence inside one chunk are two events, not an overlap twin."""
    chunk = Chunk(0, 8, Article(id="m", text="A met B."))
    one, two = _meeting("A met B.", 0, "A"), _meeting("A met B.", 0, "B")
    assert len(merge_events([chunk], [[one, two]])) == 2


def test_30000_word_article_is_extracted_through_chunks() -> None:
    text, triggers = long_article(30_000)
    assert len(text.split()) >= 30_000
    article = parse_article(text, "long")
    with FaultServer() as server, fault_extractor(server) as extractor:
        chunks = extractor.chunks(article)
        result = extractor.extract(article)
    assert len(chunks) > 10
    assert server.chat_requests == len(chunks)
    # Trigger sentences in two chunks' overlap were reported twice, and merged.
    reported = sum(sum(t in c.article.text for t in triggers) for c in chunks)
    assert reported > len(triggers)
    assert sorted(e.evidence for e in result.events) == sorted(triggers)
    for event in result.events:
        assert event.evidence_span is not None
        assert text[event.evidence_span.start : event.evidence_span.end] == event.evidence
    assert result.published is not None and result.published.isoformat() == "2025-03-14"
    assert result.attempts == len(chunks) and result.requests == len(chunks)


async def test_a_batch_chunks_a_long_article_as_extract_does() -> None:
    """The lean batch path splits and merges like `extract`: same events, one call per chunk."""
    text, triggers = long_article(8_000, seed=2)
    article = parse_article(text, "long-batch")
    with FaultServer() as server, fault_extractor(server) as extractor:
        chunks = extractor.chunks(article)
        expected = extractor.extract(article)
        before = server.chat_requests
        sink = MemorySink()
        summary = await run_batch(extractor, [article], sink, concurrency=1)
    record = sink.records["long-batch"]
    assert isinstance(record, ExtractionResult) and summary.results == 1
    assert len(chunks) > 2 and server.chat_requests - before == len(chunks)
    assert record.events == expected.events
    assert sorted(e.evidence for e in record.events) == sorted(triggers)


async def test_a_batch_reports_an_article_over_the_size_limit_and_goes_on() -> None:
    text, _ = long_article(2_000, seed=4)
    articles = [parse_article(text, "too-long"), parse_article(text[:3_000], "short")]
    with FaultServer() as server, fault_extractor(server, max_article_chars=5_000) as extractor:
        sink = MemorySink()
        await run_batch(extractor, articles, sink, concurrency=1)
    refused, done = sink.records["too-long"], sink.records["short"]
    assert isinstance(refused, ExtractionFailure) and refused.error_class == "input_error"
    assert "more than EXTRACTOR_MAX_ARTICLE_CHARS (5,000)" in refused.message
    assert refused.requests == 0 and isinstance(done, ExtractionResult)
    assert server.chat_requests == len(extractor.chunks(articles[1]))


async def test_long_article_survives_faults_with_the_same_events() -> None:
    text, triggers = long_article(12_000, seed=5)
    article = parse_article(text, "long-faulty")
    settings = {"max_reasks": 3, "timeout_s": 0.3}
    with FaultServer() as clean, fault_extractor(clean, **settings) as extractor:
        expected = extractor.extract(article)
    with (
        FaultServer(even_rates(0.3), seed=11, slow_s=1, retry_after="0") as faulty,
        fault_extractor(faulty, **settings) as extractor,
    ):
        result = await extractor.aextract(article)
    assert sum(faulty.injected.values()) > 0
    assert result.events == expected.events
    assert sorted(e.evidence for e in result.events) == sorted(triggers)
    assert result.requests == faulty.chat_requests > clean.chat_requests
    assert set(faulty.injected) <= set(FAULTS)


def test_one_failing_chunk_fails_the_article_with_every_attempt_counted() -> None:
    text, _ = long_article(6_000)
    script = [OK, "schema_break", "schema_break", "schema_break"]
    with (
        FaultServer(script=script) as server,
        fault_extractor(server, max_reasks=2) as extractor,
        pytest.raises(ExtractionError) as caught,
    ):
        extractor.extract(text, article_id="long")
    assert caught.value.kind == "validation"
    assert caught.value.attempts == 4 == server.chat_requests
