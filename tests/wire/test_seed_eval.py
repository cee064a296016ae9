"""The seed set on the wire: `extractor eval` live against the embedded model, recorded once,
then replayed in CI as the quality gate and as one extract() test per seed article."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from vcr import VCR

from extractor import Extractor
from extractor.articles import read_article_file
from extractor.checks.grounding import ArticleIndex
from extractor.cli.app import _register_commands, app
from extractor.config import SHIPPED_ADAPTER, Settings
from extractor.errors import ExtractionError
from tests.conftest import RERECORD_HINT, SEEDS
from tests.wire.conftest import (
    CASSETTES,
    RECORDING_CANARY_KEY,
    REPLAY_BASE_URL,
    TUNED_MODEL,
    match_json_body,
    wire_settings,
)

SEED_IDS = sorted(path.stem for path in SEEDS.glob("*.txt"))
EVAL_CASSETTE = str(CASSETTES / "test_seed_eval" / "test_eval_gate_on_recorded_answers.yaml")
# Recording writes the live run's reports here; README "Quality" quotes them.
RECORDED_REPORT = SHIPPED_ADAPTER.parent / "eval"  # beside the model card that quotes it
# The bars are the level the recorded answers reach (README, "Quality"): a change that
# lowers quality, or that misses a cassette, fails CI here.
EVAL_GATE = "event_f1=0.63,slot_f1=0.51,grounding_rate=0.99,schema_valid_rate=0.99"


@pytest.mark.vcr
def test_eval_gate_on_recorded_answers(
    recording: bool, wire_base_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if recording:
        # Zero configuration, as a user runs it: the embedded server the fixture started is
        # found through its state file and reused. Its reports are kept for the README.
        report_dir, concurrency = RECORDED_REPORT, "1"
        # Generous time limits only (not in the request body): a busy machine records slowly.
        monkeypatch.setenv("EXTRACTOR_TIMEOUT_S", "900")
        monkeypatch.setenv("EXTRACTOR_TRANSPORT_MAX_TOTAL_S", "3600")
    else:
        settings = wire_settings(REPLAY_BASE_URL)
        for field in ("base_url", "model", "max_events", "max_text_length"):
            monkeypatch.setenv(f"EXTRACTOR_{field.upper()}", str(getattr(settings, field)))
        monkeypatch.setenv("EXTRACTOR_FEW_SHOT", settings.few_shot or "none")
        monkeypatch.setenv("EXTRACTOR_GROUNDED_DECODING", "true")
        monkeypatch.setenv("EXTRACTOR_ANSWER_FORMAT", settings.answer_format)
        monkeypatch.setenv("EXTRACTOR_API_KEY", RECORDING_CANARY_KEY)
        report_dir, concurrency = tmp_path, "4"
    _register_commands()
    # The seeds subset only: the real-news and language subsets have no recording yet.
    args = ["eval", "--data", str(SEEDS), "--subset", SEEDS.name, "--report", str(report_dir)]
    result = CliRunner().invoke(
        app, [*args, "--fail-under", EVAL_GATE, "--concurrency", concurrency]
    )
    assert (report_dir / "report.json").is_file(), (
        "".join(__import__("traceback").format_exception(*result.exc_info))
        if result.exc_info
        else result.output
    )
    report = json.loads((report_dir / "report.json").read_text())
    unanswered = [
        a["article_id"] for a in report["articles"] if (a["error"] or "").startswith("transport")
    ]
    if unanswered and not recording:
        pytest.fail(
            f"STALE CASSETTE {EVAL_CASSETTE}: no recorded answer for {len(unanswered)} "
            f"articles (e.g. {unanswered[0]}): a prompt, schema or setting changed.\n"
            f"Fix: {RERECORD_HINT}.",
            pytrace=False,
        )
    assert result.exit_code == 0, result.output
    assert report["models"] == [TUNED_MODEL]
    assert report["summary"]["outcomes"]["missing"] == 0


def test_wire_settings_are_the_embedded_defaults() -> None:
    recorded = wire_settings(REPLAY_BASE_URL)
    default = Settings()
    assert default.uses_compact and recorded.uses_compact
    assert Extractor(recorded).prompt_version == Extractor(default).prompt_version
    assert recorded.decoding_bounds == default.decoding_bounds
    assert recorded.few_shot_set == default.few_shot_set
    assert (
        recorded.mode,
        recorded.temperature,
        recorded.answer_max_tokens,
        recorded.max_reasks,
    ) == (
        default.mode,
        default.temperature,
        default.answer_max_tokens,
        default.max_reasks,
    )


def _fold(text: str) -> str:
    for curly, plain in (("\u201c", '"'), ("\u201d", '"'), ("\u2018", "'"), ("\u2019", "'")):
        text = text.replace(curly, plain)
    return " ".join(text.split()).strip(" .,;:\"'")


@pytest.fixture(scope="module")
def eval_cassette(vcr_config: dict[str, Any]) -> Iterator[None]:
    """The eval recording, loaded once (4 MB) for every seed test of this module."""
    replay = VCR(record_mode="none", **vcr_config)
    replay.register_matcher("json_body", match_json_body)
    with replay.use_cassette(EVAL_CASSETTE, allow_playback_repeats=True):
        yield


@pytest.mark.parametrize("article_id", SEED_IDS)
def test_extract_seed(article_id: str, eval_cassette: None) -> None:
    """extract() of one seed: openai SDK, compact decoding, validation and grounding, replayed."""
    article = read_article_file(SEEDS / f"{article_id}.txt")
    index = ArticleIndex(article.text, article.body_start)
    with Extractor(wire_settings(REPLAY_BASE_URL)) as extractor:
        try:
            result = extractor.extract(article)
        except ExtractionError as failure:
            # The model may exhaust its re-asks; that must be a clean validation failure.
            assert failure.kind == "validation"
            assert failure.attempts == extractor.settings.max_reasks + 1
            assert failure.last_completion
            assert failure.usage.total_tokens > 0
            return
    assert result.article_id == article_id
    assert result.model == TUNED_MODEL
    assert result.prompt_version == extractor.prompt_version
    chunks = len(extractor.chunks(article))  # one exchange per chunk
    assert 1 <= result.attempts <= (extractor.settings.max_reasks + 1) * chunks
    assert result.requests >= result.attempts
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0
    for event in result.events:
        assert event.evidence_span is not None
        quoted = article.text[event.evidence_span.start : event.evidence_span.end]
        assert _fold(quoted) == _fold(event.evidence)
        assert all(index.has_name(p.name) for p in event.participants)


BATCH_SEEDS = SEED_IDS[:6]


def test_batch_of_seeds_through_the_cli(
    eval_cassette: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`extractor batch` over several seeds: the lean aiohttp path, replayed, one record each."""
    settings = wire_settings(REPLAY_BASE_URL)
    for field in ("base_url", "model", "answer_format"):
        monkeypatch.setenv(f"EXTRACTOR_{field.upper()}", str(getattr(settings, field)))
    monkeypatch.setenv("EXTRACTOR_API_KEY", RECORDING_CANARY_KEY)
    out = tmp_path / "seeds.jsonl"
    _register_commands()
    inputs = [str(SEEDS / f"{article_id}.txt") for article_id in BATCH_SEEDS]
    result = CliRunner().invoke(
        app, ["batch", *inputs, "-o", str(out), "--no-cache", "--concurrency", "3"]
    )
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["article_id"] for r in records) == BATCH_SEEDS, result.output
    transport = [
        r for r in records if r["record"] == "failure" and r["error_class"] != "validation"
    ]
    assert not transport, f"STALE CASSETTE {EVAL_CASSETTE}: {transport[0]['message']}"
    results = [r for r in records if r["record"] == "result"]
    assert results and all(r["model"] == TUNED_MODEL for r in results)
    assert result.exit_code == (0 if len(results) == len(records) else 1), result.output
    for record in results:
        article = read_article_file(SEEDS / f"{record['article_id']}.txt")
        for event in record["events"]:
            span = event["evidence_span"]
            assert _fold(article.text[span["start"] : span["end"]]) == _fold(event["evidence"])
