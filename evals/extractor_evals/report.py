"""The eval report: overall, per type and per article figures, as one pydantic model."""

from __future__ import annotations

from typing import Any, Literal

from extractor_schemas import EVENT_TYPES, Usage
from pydantic import BaseModel, Field

from .metrics import Counts

Outcome = Literal["result", "failure", "invalid", "missing"]
GATE_METRICS = (
    "event_precision",
    "event_recall",
    "event_f1",
    "slot_precision",
    "slot_recall",
    "slot_f1",
    "grounding_rate",
    "schema_valid_rate",
)


class TypeScore(BaseModel):
    events: Counts = Field(default_factory=Counts)
    slots: Counts = Field(default_factory=Counts)


class PairView(BaseModel):
    predicted: int
    gold: int
    slots: dict[str, Counts]


class Grounding(BaseModel):
    found: int = 0
    checked: int = 0

    def __add__(self, other: Grounding) -> Grounding:
        return Grounding(found=self.found + other.found, checked=self.checked + other.checked)

    @property
    def rate(self) -> float:
        return self.found / self.checked if self.checked else 1.0


class ArticleScore(BaseModel):
    article_id: str
    outcome: Outcome
    error: str | None = None
    events: Counts
    slots: Counts
    per_type: dict[str, TypeScore]
    grounding: Grounding
    pairs: list[PairView]
    unpaired_predicted: list[int]
    unpaired_gold: list[int]
    predicted: list[dict[str, Any]]
    gold: list[dict[str, Any]]
    usage: Usage = Field(default_factory=Usage)
    latency_s: float | None = None
    attempts: int = 0
    subset: str = ""


class Summary(BaseModel):
    articles: int
    outcomes: dict[str, int]
    events: Counts
    slots: Counts
    per_type: dict[str, TypeScore]
    grounding_rate: float
    schema_valid_rate: float
    usage: Usage
    tokens_per_article: float
    latency_p50_s: float | None
    latency_p95_s: float | None
    latency_mean_s: float | None
    attempts_mean: float | None
    # Error analysis: each slot's counts inside paired events (participants as one slot),
    # and how often each kind of error happened.
    paired_slots: dict[str, Counts] = Field(default_factory=dict)
    error_kinds: dict[str, int] = Field(default_factory=dict)

    def metrics(self) -> dict[str, float]:
        """The figures `--fail-under` and `--baseline` compare, by name."""
        values = {
            "event_precision": self.events.precision,
            "event_recall": self.events.recall,
            "event_f1": self.events.f1,
            "slot_precision": self.slots.precision,
            "slot_recall": self.slots.recall,
            "slot_f1": self.slots.f1,
            "grounding_rate": self.grounding_rate,
            "schema_valid_rate": self.schema_valid_rate,
        }
        for event_type in EVENT_TYPES:
            values[f"{event_type}_f1"] = self.per_type[event_type].events.f1
        return values


class Settings(BaseModel):
    """How the figures were computed, so two reports can be compared fairly."""

    spec: str = "events-v1"
    name_threshold: float
    text_threshold: float
    number_tolerance: float
    grounding_threshold: float
    alias_groups: int


class Report(BaseModel):
    data: str
    predictions: str
    models: list[str]
    prompt_versions: list[str]
    scoring: Settings
    summary: Summary
    # Each subset's own summary, when the data has more than one (see dataset.py).
    subsets: dict[str, Summary] = Field(default_factory=dict)
    articles: list[ArticleScore]
