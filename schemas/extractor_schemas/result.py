"""What one extraction returns, and the two record kinds a batch writes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, TypeAlias

from pydantic import Field

from .common import StrictModel
from .events import Event

SCHEMA_VERSION = "events-v1"


class Usage(StrictModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class ExtractionResult(StrictModel):
    record: Literal["result"] = "result"
    article_id: str
    published: date | None = None
    events: list[Event] = Field(default_factory=list)
    model: str
    prompt_version: str
    schema_version: str = SCHEMA_VERSION
    usage: Usage = Field(default_factory=Usage, description="summed over all attempts")
    attempts: int = Field(ge=1, description="model answers received, re-asks included")
    requests: int = Field(ge=1, description="HTTP requests sent, transport retries included")
    latency_s: float = Field(ge=0)


class ExtractionFailure(StrictModel):
    record: Literal["failure"] = "failure"
    article_id: str
    error_class: str
    message: str
    attempts: int = 0
    requests: int = 0
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0


Record: TypeAlias = Annotated[ExtractionResult | ExtractionFailure, Field(discriminator="record")]
