"""Value types shared by every event: dates, money, participants, spans."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-Q([1-4])|-(\d{2})(?:-(\d{2}))?)?$")


def check_partial_date(value: str) -> str:
    """Accept `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (a real calendar day) or `YYYY-Qn`."""
    match = _PARTIAL_DATE.match(value)
    if match is None:
        raise ValueError(f"date {value!r} is not YYYY, YYYY-MM, YYYY-MM-DD or YYYY-Qn")
    year, _quarter, month, day = match.groups()
    if month is not None and not 1 <= int(month) <= 12:
        raise ValueError(f"date {value!r} has no month {month}")
    if day is not None:
        date(int(year), int(month), int(day))  # raises ValueError for 2024-02-30
    return value


PartialDate = Annotated[
    str,
    AfterValidator(check_partial_date),
    Field(
        description="YYYY, YYYY-MM, YYYY-MM-DD or YYYY-Qn, resolved against the publication date",
        examples=["2024", "2024-08", "2024-08-22", "2024-Q4"],
    ),
]

Status = Literal["occurred", "planned"]
ParticipantKind = Literal["person", "organization", "country"]


class StrictModel(BaseModel):
    """Base for every contract model: unknown keys are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Participant(StrictModel):
    name: str = Field(min_length=1, description="as written in the article")
    kind: ParticipantKind
    title: str | None = Field(default=None, description="a person's title, as written")
    affiliation: str | None = Field(default=None, description="a person's organization")


class Money(StrictModel):
    amount: float = Field(ge=0, description="plain number: $1.2 billion is 1200000000")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD")


class Span(StrictModel):
    """Character offsets `[start, end)` into the full article text as given."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
