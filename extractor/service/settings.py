"""Knobs of the HTTP service (`EXTRACTOR_SERVE_*`); the extractor's own are in config.py."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ..errors import ConfigError

SERVE_PREFIX = "EXTRACTOR_SERVE_"


class ServiceSettings(BaseSettings):
    """Limits and timeouts of `extractor serve`, each settable as `EXTRACTOR_SERVE_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix=SERVE_PREFIX, extra="forbid", frozen=True)

    host: str = Field(default="127.0.0.1", description="address to listen on")
    port: int = Field(default=8000, ge=0, le=65535)
    max_body_bytes: int = Field(
        default=1_048_576, gt=0, description="larger request bodies get 413"
    )
    request_timeout_s: float = Field(
        default=300.0, gt=0, description="an extraction still running then gets 504"
    )
    batch_max_items: int = Field(default=16, ge=1, description="articles per batch request")
    batch_concurrency: int = Field(
        default=4, ge=1, description="articles of one batch extracted at the same time"
    )
    ready_probe_timeout_s: float = Field(
        default=2.0, gt=0, description="how long /readyz waits for the backend to answer"
    )
    ready_recent_s: float = Field(
        default=120.0,
        ge=0,
        description="an answer from the backend this recent counts as ready without a probe",
    )

    @property
    def graceful_shutdown_s(self) -> float:
        """How long a stopping server lets in-flight requests finish."""
        return self.request_timeout_s + 5.0


def load_service_settings(**overrides: Any) -> ServiceSettings:
    """Environment first, then the given values (None ones ignored); bad values: ConfigError."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return ServiceSettings(**given)
    except ValidationError as exc:
        problems = [
            f"{SERVE_PREFIX}{str(error['loc'][0]).upper()}: {error['msg']}"
            f" (got {error.get('input')!r})"
            for error in exc.errors()
        ]
        raise ConfigError("; ".join(problems)) from None
