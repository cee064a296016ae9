"""The project's exceptions. Messages never contain secrets or article text."""

from __future__ import annotations

from typing import Any

from extractor_schemas import ExtractionFailure, Usage


class ExtractorError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(ExtractorError):
    """A setting is missing or wrong; the message names the environment variable."""


class ArticleError(ExtractorError, ValueError):
    """The input is not a usable article."""


class BackendUnavailable(ExtractorError):
    """The LLM endpoint cannot be reached or refuses us (checked before extracting)."""


class ExtractionError(ExtractorError):
    """All attempts are spent. Carries what they cost and the last raw answer.

    `kind` is "transport" (the endpoint kept failing: 429, 5xx, timeouts),
    "validation" (answers kept failing the schema or the grounding checks), "request"
    (the endpoint refused it) or "internal". `latency_s` is the time the attempts took.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        attempts: int,
        requests: int,
        usage: Usage,
        last_completion: Any = None,
        retry_after_s: float | None = None,
        latency_s: float = 0.0,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.attempts = attempts
        self.requests = requests
        self.usage = usage
        self.last_completion = last_completion
        self.retry_after_s = retry_after_s
        self.latency_s = latency_s

    @property
    def error_class(self) -> str:
        return f"{self.kind}_error"

    def as_record(self, article_id: str, latency_s: float | None = None) -> ExtractionFailure:
        """The failure record a batch or eval writes for this article."""
        if latency_s is None:
            latency_s = self.latency_s
        return ExtractionFailure(
            article_id=article_id,
            error_class=self.error_class,
            message=str(self),
            attempts=self.attempts,
            requests=self.requests,
            usage=self.usage,
            latency_s=round(latency_s, 3),
        )
