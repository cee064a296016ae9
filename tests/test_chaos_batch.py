"""1,000 articles through `extractor batch` at a 30% fault rate: nothing lost, nothing twice.

Runs tests/chaos_batch.py (about 25 s: two batch processes against the fault server,
a FIXTURE). `python -m tests.chaos_batch` prints the same tally as a table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.chaos_batch import BAD_LINES, CHAOS_ENV, Chaos, article, report, run_chaos
from tests.fakes.fault_server import FAULTS

ARTICLES = 1000


@pytest.fixture(scope="module")
def chaos() -> Iterator[Chaos]:
    outcome = run_chaos(ARTICLES, rate=0.3, seed=2024)
    print(report(outcome))  # shown with pytest -s
    yield outcome


def test_every_input_line_has_exactly_one_record(chaos: Chaos) -> None:
    for done in (chaos.first, chaos.second):
        ids = [r["article_id"] for r in done.records]
        assert len(ids) == ARTICLES
        assert len(set(ids)) == ARTICLES  # 0 duplicated
        assert set(chaos.expected) <= set(ids)  # 0 lost
        assert done.exit_code == 1  # the bad lines stay failures


def test_every_fault_class_was_injected_at_about_the_rate(chaos: Chaos) -> None:
    injected = chaos.first.injected
    assert all(injected.get(name, 0) > 0 for name in FAULTS)
    share = sum(injected.values()) / len(chaos.first.served)
    assert 0.25 <= share <= 0.35


def test_failures_carry_their_class_and_stay_within_the_bounds(chaos: Chaos) -> None:
    max_reasks = int(CHAOS_ENV["EXTRACTOR_MAX_REASKS"])
    max_tries = int(CHAOS_ENV["EXTRACTOR_TRANSPORT_MAX_ATTEMPTS"])
    failures = [r for r in chaos.first.records if r["record"] == "failure"]
    assert set(chaos.first.failures) == {"input_error", "transport_error", "validation_error"}
    for record in failures:
        if record["error_class"] == "validation_error":
            assert record["attempts"] == max_reasks + 1
        elif record["error_class"] == "transport_error":
            assert record["requests"] <= (max_reasks + 1) * max_tries
            assert record["requests"] >= max_tries
    # Every failure is explained by the fault its article's last request got.
    recoverable = chaos.first.failures["transport_error"] + chaos.first.failures["validation_error"]
    assert sum(caused for *_, caused in chaos.fault_table()) == recoverable


def test_bad_lines_get_their_exact_errors(chaos: Chaos) -> None:
    messages = {
        r["article_id"]: r["message"] for r in chaos.second.records if r["record"] == "failure"
    }
    assert len(messages) == len(BAD_LINES) == chaos.second.failures["input_error"]
    by_reason = {re.sub(r"^.*articles\.jsonl:\d+: ", "", m): a for a, m in messages.items()}
    assert set(by_reason) == {
        "not JSON (Invalid control character at, column 43)",  # the newline inside the string
        "not JSON (Expecting value, column 1)",
        "article 'bad-no-text-1' has no \"text\" string",
        "article 'bad-no-text-2' has no \"text\" string",
        "article 'bad-empty-1' is empty",
        "article 'bad-date-1': date prefix '2025-13-01': month must be in 1..12",
        "article 'bad-binary-1' contains a NUL character at offset 0: binary data, not text",
        "not UTF-8 text (byte 0)",
    }


def test_results_are_correct_and_grounded_despite_the_faults(chaos: Chaos) -> None:
    results = [r for r in chaos.second.records if r["record"] == "result"]
    assert len(results) == len(chaos.expected)
    for record in results:
        text, triggers = article(int(record["article_id"].removeprefix("chaos-")))
        assert sorted(e["evidence"] for e in record["events"]) == sorted(triggers)
        for event in record["events"]:
            span = event["evidence_span"]
            assert text[span["start"] : span["end"]] == event["evidence"]


def test_retry_failed_without_faults_recovers_every_recoverable_failure(chaos: Chaos) -> None:
    recoverable = {
        r["article_id"]
        for r in chaos.first.records
        if r["error_class" if r["record"] == "failure" else "record"]
        in ("transport_error", "validation_error")
    }
    assert recoverable  # the chaotic pass did run some articles out of attempts
    assert {article_id for article_id, _ in chaos.second.served} == recoverable
    assert len(chaos.second.served) == len(recoverable)  # one request each, nothing else re-sent
    assert set(chaos.second.failures) == {"input_error"}
    assert chaos.second.results == len(chaos.expected)
