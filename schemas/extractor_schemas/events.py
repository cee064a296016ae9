"""The six event types of events-v1, as predicted and as labeled (gold).

Predicted events require `evidence`; gold events may leave it out. Both carry
an optional `evidence_span`, the offsets of the evidence in the article.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

from pydantic import Field, TypeAdapter

from .common import Money, PartialDate, Participant, Span, Status, StrictModel

Milestone = Literal[
    "announced", "construction_start", "completion", "commissioning", "delay", "other"
]


class EventBase(StrictModel):
    type: str  # narrowed to one Literal by each event class; declared here to come first
    evidence: str = Field(min_length=1, description="verbatim span of the article")
    status: Status
    date: PartialDate | None = None
    location: str | None = Field(default=None, description="place as written in the article")
    participants: list[Participant] = Field(default_factory=list)
    evidence_span: Span | None = Field(
        default=None, description="offsets of `evidence` in the article, set by the extractor"
    )


class Meeting(EventBase):
    type: Literal["meeting"] = "meeting"
    topics: list[str] = Field(default_factory=list)


class Agreement(EventBase):
    type: Literal["agreement"] = "agreement"
    agreement_kind: str | None = None
    subject: str | None = None
    value: Money | None = None


class CapacityChange(EventBase):
    type: Literal["capacity_change"] = "capacity_change"
    facility: str = Field(min_length=1)
    from_value: float | None = None
    to_value: float | None = None
    unit: str | None = None


class ProjectMilestone(EventBase):
    type: Literal["project_milestone"] = "project_milestone"
    project: str = Field(min_length=1)
    milestone: Milestone


class Investment(EventBase):
    type: Literal["investment"] = "investment"
    investor: str | None = None
    target: str | None = None
    value: Money | None = None


class CooperationIntent(EventBase):
    type: Literal["cooperation_intent"] = "cooperation_intent"
    areas: list[str] = Field(default_factory=list)


Event: TypeAlias = Annotated[
    Meeting | Agreement | CapacityChange | ProjectMilestone | Investment | CooperationIntent,
    Field(discriminator="type"),
]

EVENT_CLASSES: tuple[type[EventBase], ...] = (
    Meeting,
    Agreement,
    CapacityChange,
    ProjectMilestone,
    Investment,
    CooperationIntent,
)
EVENT_TYPES: tuple[str, ...] = tuple(cls.model_fields["type"].default for cls in EVENT_CLASSES)


class GoldMeeting(Meeting):
    evidence: str | None = None  # type: ignore[assignment]


class GoldAgreement(Agreement):
    evidence: str | None = None  # type: ignore[assignment]


class GoldCapacityChange(CapacityChange):
    evidence: str | None = None  # type: ignore[assignment]


class GoldProjectMilestone(ProjectMilestone):
    evidence: str | None = None  # type: ignore[assignment]


class GoldInvestment(Investment):
    evidence: str | None = None  # type: ignore[assignment]


class GoldCooperationIntent(CooperationIntent):
    evidence: str | None = None  # type: ignore[assignment]


GoldEvent: TypeAlias = Annotated[
    GoldMeeting
    | GoldAgreement
    | GoldCapacityChange
    | GoldProjectMilestone
    | GoldInvestment
    | GoldCooperationIntent,
    Field(discriminator="type"),
]

event_adapter: TypeAdapter[Event] = TypeAdapter(Event)


def event_json_schema() -> dict[str, object]:
    """JSON Schema of the predicted-event union (discriminated on `type`)."""
    return event_adapter.json_schema()


def slot(event: EventBase, name: str) -> Any:
    """The event's field `name`, or None when its type has no such field.

    Reads the instance dict: `getattr(event, name, None)` on a missing field goes through
    pydantic's slow `__getattr__` and an exception, on every event of every article.
    """
    return event.__dict__.get(name)
