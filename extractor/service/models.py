"""Request and response bodies of the HTTP API, as the OpenAPI schema shows them."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from extractor_schemas import ExtractionFailure, Record
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

_ISO_DAY = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")
# A character `str.strip` keeps. JSON Schema reads `\s` as ECMAScript does, which leaves
# out the separators U+001C-U+001F and U+0085 that Python strips, so they are named.
NOT_BLANK_PATTERN = r"[^\s\x1c-\x1f\x85]"


def _not_blank(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise ValueError("text is empty: it must contain the article")
    return value


def _iso_day_string(value: Any) -> Any:
    """Only a `YYYY-MM-DD` string is a date here (pydantic would also take a number)."""
    if value is not None and not (isinstance(value, str) and _ISO_DAY.match(value)):
        raise ValueError("published must be a YYYY-MM-DD string")
    return value


ArticleText = Annotated[
    str,
    BeforeValidator(_not_blank),
    Field(
        min_length=1,
        json_schema_extra={"pattern": NOT_BLANK_PATTERN},
        description="the article, UTF-8; an optional ` date YYYY-MM-DD` prefix gives its date",
        examples=[" date 2025-05-27 ASTANA, May 27. President Tokayev met Xi Gohua in Astana."],
    ),
]
PublishedDay = Annotated[
    date | None,
    BeforeValidator(_iso_day_string),
    Field(description="publication day; wins over the text's date prefix"),
]


class ExtractRequest(BaseModel):
    """One article to extract events from."""

    model_config = ConfigDict(extra="forbid")

    text: ArticleText
    published: PublishedDay = None
    id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="the article id in the result; default: a hash of the text",
    )


class BatchRequest(BaseModel):
    """Several articles, extracted concurrently."""

    model_config = ConfigDict(extra="forbid")

    articles: list[ExtractRequest] = Field(min_length=1)


def bounded_batch_request(max_items: int) -> type[BatchRequest]:
    """BatchRequest whose schema and validation admit at most `max_items` articles."""
    return create_model(
        "BatchRequest",
        __base__=BatchRequest,
        __doc__=BatchRequest.__doc__,
        articles=(list[ExtractRequest], Field(min_length=1, max_length=max_items)),
    )


class BatchResponse(BaseModel):
    """One record per article, in the order given: a result or a failure."""

    results: list[Record]


class FieldProblem(BaseModel):
    """One reason a request body was refused."""

    location: str = Field(description="where, e.g. body.articles.0.text")
    message: str
    type: str


class Problem(BaseModel):
    """Every error response: a stable `error` code and a readable message."""

    error: str = Field(
        description=(
            "invalid_request, article_error, unauthorized, payload_too_large, timeout, "
            "backend_unavailable, transport_error, request_error, validation_error, "
            "internal_error, not_found, method_not_allowed"
        )
    )
    message: str
    request_id: str | None = None
    retry_after_s: float | None = Field(
        default=None, description="also sent as the Retry-After header"
    )
    problems: list[FieldProblem] | None = Field(
        default=None, description="with invalid_request: each field refused"
    )
    failure: ExtractionFailure | None = Field(
        default=None, description="with extraction errors: attempts, requests and tokens spent"
    )


class Health(BaseModel):
    status: str = Field(description="ok, ready or not_ready")
    reason: str | None = None
