from __future__ import annotations

from pathlib import Path

import pytest

from extractor import ConfigError, load_settings
from extractor.config import SHIPPED_ADAPTER
from extractor.llm.backend import Backend
from extractor.llm.embedded import EmbeddedServer


def test_defaults_use_the_embedded_model() -> None:
    settings = load_settings()
    assert settings.uses_embedded
    assert settings.decoding_bounds["evidence_from_sentences"] is True
    assert settings.few_shot_set is None


def test_embedded_default_loads_the_shipped_adapter_and_answers_compact() -> None:
    settings = load_settings()
    assert settings.adapter_path == SHIPPED_ADAPTER and SHIPPED_ADAPTER.is_file()
    assert settings.uses_compact
    assert Backend(settings).model == "gemma-3-270m-q4_k_m+events-lora"


def test_adapter_can_be_switched_off_or_replaced(tmp_path: Path) -> None:
    base = load_settings(embedded_adapter="none")
    assert base.adapter_path is None and not base.uses_compact
    assert Backend(base).model == "gemma-3-270m-q4_k_m"
    other = load_settings(embedded_adapter=str(tmp_path / "mine.gguf"))
    assert other.adapter_path == tmp_path / "mine.gguf" and other.uses_compact
    # Another model file: the shipped adapter was trained for the bundled one only.
    assert load_settings(embedded_model_path=tmp_path / "m.gguf").adapter_path is None


def test_remote_endpoints_answer_json_unless_told() -> None:
    remote = load_settings(base_url="http://localhost:8000/v1", model="m")
    assert remote.adapter_path is None and not remote.uses_compact
    assert load_settings(base_url="http://x/v1", model="m", answer_format="compact").uses_compact


def test_missing_adapter_file_is_a_clear_error(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")  # never loaded: the adapter is checked before any start
    settings = load_settings(
        embedded_model_path=model, embedded_adapter=str(tmp_path / "missing.gguf")
    )
    with pytest.raises(ConfigError, match="EXTRACTOR_EMBEDDED_ADAPTER: no such file"):
        EmbeddedServer(settings).start()


def test_remote_endpoint_defaults() -> None:
    settings = load_settings(base_url="http://localhost:8000/v1/", model="m")
    assert settings.base_url == "http://localhost:8000/v1"
    assert settings.few_shot_set == "default"
    assert settings.decoding_bounds == {
        "evidence_from_sentences": False,
        "max_events": None,
        "max_text_length": None,
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EXTRACTOR_BASE_URL": "http://x"}, "EXTRACTOR_MODEL is required"),
        ({"EXTRACTOR_TIMEOUT_S": "abc"}, "EXTRACTOR_TIMEOUT_S: Input should be a valid number"),
        (
            {"EXTRACTOR_BASE_URL": "ftp://x", "EXTRACTOR_MODEL": "m"},
            "EXTRACTOR_BASE_URL: must start",
        ),
        ({"EXTRACTOR_MODE": "xml"}, "EXTRACTOR_MODE"),
    ],
)
def test_bad_settings_name_their_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_api_key_value_never_appears_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXTRACTOR_API_KEY", "sk-secret-value-123456")
    monkeypatch.setenv("EXTRACTOR_TIMEOUT_S", "-1")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "sk-secret" not in str(caught.value)
