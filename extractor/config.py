"""Settings from environment variables (`EXTRACTOR_*`) and arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigError

ENV_PREFIX = "EXTRACTOR_"
Mode = Literal["tools", "json_schema", "json", "md_json"]
AnswerFormat = Literal["auto", "json", "compact"]
AUTO = "auto"
SHIPPED_ADAPTER = Path(__file__).parent / "llm" / "adapter" / "events-lora.gguf"


class Settings(BaseSettings):
    """Every knob, with the environment variable that sets it.

    Leave `EXTRACTOR_BASE_URL` unset to use the embedded llama.cpp server.
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint, e.g. https://api.openai.com/v1"
    )
    model: str | None = Field(default=None, description="model name; required with base_url")
    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("EXTRACTOR_API_KEY", "OPENAI_API_KEY", "api_key"),
        description="sent as a bearer token; never logged",
    )
    api_token: SecretStr | None = Field(
        default=None,
        description="bearer token `extractor serve` requires from its clients; unset: no auth",
    )
    mode: Mode = Field(default="tools", description="how instructor asks for structure")
    answer_format: AnswerFormat = Field(
        default="auto",
        description="json: schema-constrained JSON through instructor (any model); compact: the "
        "short line format the tuned embedded model writes; auto: compact with the adapter",
    )
    temperature: float = Field(default=0.0, ge=0, le=2)
    max_tokens: int | None = Field(
        default=None,
        gt=0,
        description="completion budget per answer; default: 2048 for JSON, 1024 for compact "
        "answers (the longest training answer is about 450 tokens)",
    )
    timeout_s: float = Field(default=180.0, gt=0, description="one HTTP request")
    connect_timeout_s: float = Field(default=5.0, gt=0)
    max_reasks: int = Field(
        default=2, ge=0, description="validation re-asks after the first answer"
    )
    transport_max_attempts: int = Field(default=6, ge=1, description="HTTP tries per answer")
    transport_max_total_s: float = Field(default=300.0, gt=0, description="retry time per answer")
    backoff_initial_s: float = Field(default=1.0, ge=0)
    backoff_max_s: float = Field(default=30.0, ge=0)
    few_shot: str | None = Field(
        default="auto", description="few-shot set name, or none; auto: none for the embedded model"
    )
    grounded_decoding: bool | None = Field(
        default=None,
        description="schema lets evidence be only an article sentence; default: on for embedded",
    )
    max_events: int | None = Field(
        default=None, gt=0, description="schema bound on events per answer; default: 4 for embedded"
    )
    max_text_length: int | None = Field(
        default=None, gt=0, description="schema bound on free-text fields; default: 60 for embedded"
    )
    check_dates: bool = Field(
        default=True,
        description="when an event's evidence sentence holds exactly one time expression, "
        "its date resolved against the publication date replaces the model's",
    )
    name_match_threshold: float = Field(
        default=85.0, ge=0, le=100, description="rapidfuzz score a name needs to count as found"
    )
    chunk_tokens: int | None = Field(
        default=None,
        ge=64,
        description="article tokens per chunk (about 4 characters a token); default: what fits "
        "EXTRACTOR_EMBEDDED_CTX beside EXTRACTOR_MAX_TOKENS and the prompt",
    )
    chunk_overlap_tokens: int = Field(
        default=200, ge=0, description="whole sentences a chunk repeats from the one before"
    )
    max_article_chars: int = Field(
        default=1_000_000, gt=0, description="longer articles are refused before any request"
    )
    embedded_model_path: Path | None = Field(
        default=None, description="GGUF for the embedded server; default: the bundled Gemma 3 270M"
    )
    embedded_adapter: str | None = Field(
        default=AUTO,
        description="LoRA GGUF loaded over the embedded model; auto: the shipped events adapter "
        "(with the bundled model); none: the base model",
    )
    embedded_port: int = Field(default=0, ge=0, le=65535, description="0 picks a free port")
    embedded_ctx: int = Field(default=8192, gt=0)
    embedded_threads: int | None = Field(default=None, gt=0)
    embedded_startup_timeout_s: float = Field(default=120.0, gt=0)

    @field_validator("base_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("api_token")
    @classmethod
    def _empty_token(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value() else None

    @field_validator("few_shot", "embedded_adapter")
    @classmethod
    def _none_word(cls, value: str | None) -> str | None:
        return None if value in (None, "", "none") else value

    @model_validator(mode="after")
    def _model_with_url(self) -> Settings:
        if self.base_url and not self.model:
            raise ValueError(f"{ENV_PREFIX}MODEL is required when {ENV_PREFIX}BASE_URL is set")
        if self.chunk_tokens and self.chunk_overlap_tokens * 2 > self.chunk_tokens:
            raise ValueError(
                f"{ENV_PREFIX}CHUNK_OVERLAP_TOKENS must be at most half of "
                f"{ENV_PREFIX}CHUNK_TOKENS ({self.chunk_tokens})"
            )
        return self

    @property
    def uses_embedded(self) -> bool:
        return self.base_url is None

    @property
    def adapter_path(self) -> Path | None:
        """The LoRA adapter the embedded server loads, if any."""
        if not self.uses_embedded or self.embedded_adapter is None:
            return None
        if self.embedded_adapter == AUTO:
            shipped = self.embedded_model_path is None and SHIPPED_ADAPTER.is_file()
            return SHIPPED_ADAPTER if shipped else None
        return Path(self.embedded_adapter)

    @property
    def uses_compact(self) -> bool:
        if self.answer_format == AUTO:
            return self.adapter_path is not None
        return self.answer_format == "compact"

    @property
    def answer_max_tokens(self) -> int:
        return self.max_tokens or (1024 if self.uses_compact else 2048)

    @property
    def few_shot_set(self) -> str | None:
        if self.few_shot == "auto":
            return None if self.uses_embedded else "default"
        return self.few_shot

    @property
    def decoding_bounds(self) -> dict[str, Any]:
        """Bounds put into the schema; small local models need them to stop in time."""
        embedded = self.uses_embedded
        return {
            "evidence_from_sentences": embedded
            if self.grounded_decoding is None
            else self.grounded_decoding,
            "max_events": self.max_events or (4 if embedded else None),
            "max_text_length": self.max_text_length or (60 if embedded else None),
        }


def load_settings(**overrides: Any) -> Settings:
    """Build settings; a bad value raises ConfigError naming its variable."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        message = error["msg"].removeprefix("Value error, ")
        if not field:
            problems.append(message)
            continue
        secret = "key" in field or "token" in field
        shown = "" if secret else f" (got {error.get('input')!r})"
        problems.append(f"{ENV_PREFIX}{field.upper()}: {message}{shown}")
    return "; ".join(problems)
