"""Pydantic models of the events-v1 contract. Depends on nothing of ours."""

from .article import Article
from .common import Money, PartialDate, Participant, Span, Status, check_partial_date
from .events import (
    EVENT_CLASSES,
    EVENT_TYPES,
    Agreement,
    CapacityChange,
    CooperationIntent,
    Event,
    EventBase,
    GoldEvent,
    Investment,
    Meeting,
    Milestone,
    ProjectMilestone,
    event_adapter,
    event_json_schema,
    slot,
)
from .gold import GoldAnswer
from .result import SCHEMA_VERSION, ExtractionFailure, ExtractionResult, Record, Usage

__all__ = [
    "EVENT_CLASSES",
    "EVENT_TYPES",
    "SCHEMA_VERSION",
    "Agreement",
    "Article",
    "CapacityChange",
    "CooperationIntent",
    "Event",
    "EventBase",
    "ExtractionFailure",
    "ExtractionResult",
    "GoldAnswer",
    "GoldEvent",
    "Investment",
    "Meeting",
    "Milestone",
    "Money",
    "PartialDate",
    "Participant",
    "ProjectMilestone",
    "Record",
    "Span",
    "Status",
    "Usage",
    "check_partial_date",
    "event_adapter",
    "event_json_schema",
    "slot",
]
