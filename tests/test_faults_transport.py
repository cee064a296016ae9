"""Transport faults from the fault server (a FIXTURE) are retried with backoff, within bounds."""

from __future__ import annotations

import time

import pytest

from extractor import ExtractionError
from tests.fakes.fault_server import OK, TRANSPORT_FAULTS, FaultServer
from tests.fault_helpers import ARTICLE, fault_extractor, prompts

# Each fault as the server answers it, and what the error says once retries are spent.
SPENT_MESSAGE = {
    "rate_limit_retry_after": "HTTP 429",
    "rate_limit": "HTTP 429",
    "http_500": "HTTP 500",
    "http_502": "HTTP 502",
    "http_503": "HTTP 503",
    "reset": "APIConnectionError",
    "slow": "APITimeoutError",
    "truncated_body": "BrokenResponse: response body is not complete JSON",
}
# A slow answer must outlast the client's timeout.
SLOW = {"timeout_s": 0.3}


@pytest.mark.parametrize("fault", TRANSPORT_FAULTS)
def test_transport_fault_is_retried_then_answered(fault: str) -> None:
    with (
        FaultServer(script=[fault, fault, OK], retry_after="0", slow_s=2) as server,
        fault_extractor(server, **SLOW) as extractor,
    ):
        result = extractor.extract(ARTICLE, article_id="astana")
        assert server.injected[fault] == 2
    assert result.requests == 3
    assert result.attempts == 1  # one model answer: the faults never became re-asks
    assert [e.type for e in result.events] == ["meeting", "agreement"]
    # The retried requests are the same request: nothing about the fault reached the prompt.
    assert server.requests[0]["messages"] == server.requests[2]["messages"]
    assert "429" not in prompts(server) and "Bad Gateway" not in prompts(server)


@pytest.mark.parametrize("fault", TRANSPORT_FAULTS)
def test_spent_transport_bounds_raise_with_class_and_attempts(fault: str) -> None:
    with (
        FaultServer({fault: 1.0}, retry_after="0", slow_s=2) as server,
        fault_extractor(server, transport_max_attempts=3, **SLOW) as extractor,
        pytest.raises(ExtractionError) as caught,
    ):
        extractor.extract(ARTICLE, article_id="astana")
    error = caught.value
    assert error.kind == "transport" and error.error_class == "transport_error"
    assert error.requests == 3 == server.injected[fault]
    assert error.attempts == 0
    assert str(error).startswith("endpoint kept failing after 3 requests: ")
    assert SPENT_MESSAGE[fault] in str(error)


def test_backoff_waits_between_tries() -> None:
    """Two retries with backoff 0.2 s then 0.4 s (plus jitter) take at least 0.6 s."""
    with FaultServer(script=["http_503", "http_503", OK]) as server:
        extractor = fault_extractor(server, backoff_initial_s=0.2, backoff_max_s=5)
        started = time.monotonic()
        with extractor:
            extractor.extract(ARTICLE, article_id="astana")
    assert time.monotonic() - started >= 0.6


def test_retry_after_is_honored() -> None:
    with FaultServer(script=["rate_limit_retry_after", OK], retry_after="1") as server:
        extractor = fault_extractor(server, backoff_initial_s=0, backoff_max_s=0)
        started = time.monotonic()
        with extractor:
            result = extractor.extract(ARTICLE, article_id="astana")
    assert time.monotonic() - started >= 1.0  # backoff alone would not wait at all
    assert result.requests == 2


def test_retry_after_beyond_the_time_budget_stops_at_once() -> None:
    with (
        FaultServer({"rate_limit_retry_after": 1.0}, retry_after="30") as server,
        fault_extractor(server, transport_max_total_s=2) as extractor,
        pytest.raises(ExtractionError) as caught,
    ):
        started = time.monotonic()
        extractor.extract(ARTICLE, article_id="astana")
    assert time.monotonic() - started < 2
    assert caught.value.requests == 1
    assert caught.value.retry_after_s == 30


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
async def test_slow_answers_never_run_past_the_total_time(use_async: bool) -> None:
    """timeout 1.5 s per request, 1.8 s in all: the second try is cut to what is left."""
    budget = 1.8
    with FaultServer({"slow": 1.0}, slow_s=10) as server:
        extractor = fault_extractor(
            server, timeout_s=1.5, transport_max_total_s=budget, transport_max_attempts=50
        )
        extractor.connect()
        started = time.monotonic()
        with extractor, pytest.raises(ExtractionError) as caught:
            if use_async:
                await extractor.aextract(ARTICLE, article_id="astana")
            else:
                extractor.extract(ARTICLE, article_id="astana")
        elapsed = time.monotonic() - started
    assert caught.value.kind == "transport"
    assert caught.value.requests >= 2
    assert elapsed < budget + 0.8  # without the cut: two full timeouts, 3 s or more


def test_failing_endpoint_stops_at_the_total_time_not_the_attempts() -> None:
    budget = 1.0
    with FaultServer({"http_503": 1.0}) as server:
        extractor = fault_extractor(
            server,
            transport_max_total_s=budget,
            transport_max_attempts=1000,
            backoff_initial_s=0.1,
            backoff_max_s=0.2,
        )
        extractor.connect()
        started = time.monotonic()
        with extractor, pytest.raises(ExtractionError) as caught:
            extractor.extract(ARTICLE, article_id="astana")
        elapsed = time.monotonic() - started
    assert caught.value.kind == "transport"
    assert 2 <= caught.value.requests < 1000
    assert elapsed < budget + 0.8


async def test_async_extract_retries_the_same_way() -> None:
    with (
        FaultServer(script=["reset", "truncated_body", "http_502", OK]) as server,
        fault_extractor(server) as extractor,
    ):
        result = await extractor.aextract(ARTICLE, article_id="astana")
    assert result.requests == 4 and result.attempts == 1
    assert sum(server.injected.values()) == 3
