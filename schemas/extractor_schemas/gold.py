"""A hand-labeled answer: `<article id>.gold.json`."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from .common import StrictModel
from .events import GoldEvent


class GoldAnswer(StrictModel):
    article_id: str = Field(min_length=1)
    published: date | None = None
    events: list[GoldEvent] = Field(default_factory=list)
