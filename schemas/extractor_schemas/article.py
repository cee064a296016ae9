"""An article as the extractor sees it."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from .common import StrictModel


class Article(StrictModel):
    id: str = Field(min_length=1)
    text: str = Field(description="the full text as given, date prefix included")
    published: date | None = None
    body_start: int = Field(default=0, ge=0, description="offset where the body begins")

    @property
    def body(self) -> str:
        return self.text[self.body_start :]
