"""No cassette or committed report may contain anything shaped like a secret."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.wire.conftest import RECORDING_CANARY_KEY

SECRET_SHAPES = {
    "OpenAI-style key": re.compile(r"sk-[A-Za-z0-9_-]{16,}"),
    "bearer token": re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    "auth header": re.compile(r"(?im)^\s*['\"]?(authorization|api-key|x-api-key|cookie)['\"]?:"),
    "recording key": re.compile(re.escape(RECORDING_CANARY_KEY)),
}
GUARDED = [
    *sorted((ROOT / "tests" / "cassettes").rglob("*.yaml")),
    *sorted(p for p in (ROOT / "docs").rglob("*") if p.suffix in {".json", ".md", ".html"}),
]


def secrets_in(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return [name for name, shape in SECRET_SHAPES.items() if shape.search(text)]


def test_there_are_cassettes_to_guard() -> None:
    assert any(p.suffix == ".yaml" for p in GUARDED)


@pytest.mark.parametrize("path", GUARDED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_secret_in(path: Path) -> None:
    assert secrets_in(path) == []


@pytest.mark.parametrize(
    "planted",
    [
        "sk-proj-abcdefghijklmnop1234",
        "Authorization: Bearer abc.def.ghi",
        "    authorization:\n    - xyz",
        RECORDING_CANARY_KEY,
    ],
)
def test_the_guard_catches_a_planted_secret(planted: str, tmp_path: Path) -> None:
    leaky = tmp_path / "leaky.yaml"
    leaky.write_text(f"interactions:\n- request:\n    headers:\n{planted}\n")
    assert secrets_in(leaky)
