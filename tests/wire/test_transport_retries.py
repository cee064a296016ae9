"""Transport retries on the wire: 429 with Retry-After, 503 and a gateway timeout (504),
recorded through a fault-injecting proxy in front of the real embedded server.

The three faults are the proxy's own answers; the fourth answer is the real server's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from types import SimpleNamespace

import pytest
import tenacity

from extractor import Extractor
from extractor.articles import read_article_file
from tests.conftest import SEEDS
from tests.fakes.fault_proxy import GATEWAY_TIMEOUT, RATE_LIMITED, UNAVAILABLE, FaultProxy
from tests.wire.conftest import wire_settings

ARTICLE = SEEDS / "004_1defd1476dc2c061.txt"  # one chunk, answered at the first attempt


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Record tenacity's sleeps instead of sleeping."""
    slept: list[float] = []
    monkeypatch.setattr(tenacity.nap, "time", SimpleNamespace(sleep=slept.append))
    yield slept


@pytest.mark.vcr
def test_retries_429_503_504_then_succeeds(
    wire_base_url: str, recording: bool, waits: list[float]
) -> None:
    faults = [RATE_LIMITED, UNAVAILABLE, GATEWAY_TIMEOUT]
    proxy = FaultProxy(wire_base_url, faults) if recording else nullcontext()
    with proxy as running:
        base_url = running.base_url if isinstance(running, FaultProxy) else wire_base_url
        settings = wire_settings(base_url, backoff_initial_s=0.5, backoff_max_s=2.0)
        with Extractor(settings) as extractor:
            result = extractor.extract(read_article_file(ARTICLE))

    assert result.requests == 4
    assert result.attempts == 1
    assert result.usage.completion_tokens > 0
    assert len(waits) == 3
    assert waits[0] == 1.0  # the 429's Retry-After, honored exactly
    assert all(0 < wait <= 2.0 for wait in waits[1:])  # jittered backoff within its cap
