from __future__ import annotations

import pytest

from extractor import ConfigError, load_settings


def test_defaults_use_the_embedded_model() -> None:
    settings = load_settings()
    assert settings.uses_embedded
    assert settings.decoding_bounds["evidence_from_sentences"] is True
    assert settings.few_shot_set is None


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
