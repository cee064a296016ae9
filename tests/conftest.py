"""Shared fixtures. Logic tests use hand-written fakes; cassette tests replay recordings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.scripted_server import ScriptedServer

RERECORD_HINT = (
    "re-record the cassettes with `make record` (starts the embedded llama.cpp server "
    "and runs the cassette tests with --record-mode=rewrite)"
)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def _stale_cassette(excinfo: pytest.ExceptionInfo[BaseException]) -> BaseException | None:
    from vcr.errors import CannotOverwriteExistingCassetteException

    seen: set[int] = set()
    pending: list[BaseException | None] = [excinfo.value]
    while pending:
        exc = pending.pop()
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        if isinstance(exc, CannotOverwriteExistingCassetteException):
            return exc
        pending += [exc.__cause__, exc.__context__, *getattr(exc, "exceptions", ())]
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A request that misses its cassette fails with the command that re-records it."""
    report = yield
    if call.excinfo is not None and report.failed:
        stale = _stale_cassette(call.excinfo)
        if stale is not None:
            cassette = getattr(stale, "cassette", None)
            path = getattr(cassette, "_path", "its cassette")
            report.longrepr = (
                f"STALE CASSETTE {path}: the request no longer matches the recording "
                "(the cassette is missing, or a prompt, schema or setting changed).\n"
                f"Fix: {RERECORD_HINT}.\n\n"
                f"{report.longrepr}"
            )
    return report


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a developer's real endpoint or key."""
    import os

    for name in list(os.environ):
        if name.startswith("EXTRACTOR_") or name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(name)


@pytest.fixture
def scripted_server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        yield server
