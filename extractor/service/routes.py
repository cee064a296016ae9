"""POST /v1/extract and /v1/extract/batch."""

from __future__ import annotations

from typing import Annotated, Any

from extractor_schemas import ExtractionFailure, ExtractionResult
from fastapi import APIRouter, Body, Request

from .access_log import log_fields
from .models import BatchRequest, BatchResponse, ExtractRequest, Problem, bounded_batch_request
from .runner import Runner

RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "schema": {"type": "integer"},
    }
}


def _problem(description: str, **extra: Any) -> dict[str, Any]:
    return {"model": Problem, "description": description, **extra}


EXTRACT_ERRORS: dict[int | str, dict[str, Any]] = {
    413: _problem("request body over EXTRACTOR_SERVE_MAX_BODY_BYTES"),
    422: _problem("invalid request: empty text, wrong type, unknown field, bad date"),
    502: _problem("the backend refused the request, or its answers never validated"),
    503: _problem("the backend is unreachable or kept failing", headers=RETRY_AFTER_HEADER),
    504: _problem("not finished within EXTRACTOR_SERVE_REQUEST_TIMEOUT_S"),
}
BATCH_ERRORS: dict[int | str, dict[str, Any]] = {
    status: EXTRACT_ERRORS[status] for status in (413, 422, 503, 504)
}


# What /docs pre-fills in "Try it out": the article's own date prefix, and no `published`
# (Swagger would fill in today's date, which wins over the prefix).
ARTICLE_EXAMPLE = {
    "text": " date 2025-05-27 ASTANA, May 27. President Kassym-Jomart Tokayev met Xi Gohua, "
    "Chairman of CITIC Group, in Astana."
}
EXTRACT_EXAMPLES: dict[str, Any] = {
    "article": {"summary": "an article with its date prefix", "value": ARTICLE_EXAMPLE}
}
BATCH_EXAMPLES: dict[str, Any] = {
    "articles": {"summary": "two articles", "value": {"articles": [ARTICLE_EXAMPLE] * 2}}
}


def extraction_router(runner: Runner) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["extraction"])

    @router.post(
        "/extract",
        response_model=ExtractionResult,
        responses=EXTRACT_ERRORS,
        summary="Extract the events of one article",
    )
    async def extract(
        request: Request, body: Annotated[ExtractRequest, Body(openapi_examples=EXTRACT_EXAMPLES)]
    ) -> ExtractionResult:
        """Events with evidence offsets, model, prompt version, tokens, attempts and latency.

        Errors have a Problem body; 503 has a Retry-After header.
        """
        deadline = runner.deadline()
        log_fields(request.scope)["articles"] = 1
        article = runner.article(body)
        request.state.article_id = article.id
        result = await runner.extract_one(article, deadline)
        log_fields(request.scope).update(events=len(result.events), attempts=result.attempts)
        return result

    async def extract_batch(request: Request, body: BatchRequest) -> BatchResponse:
        """One record per article, in order: a result or a failure with its error class.

        Articles run concurrently (EXTRACTOR_SERVE_BATCH_CONCURRENCY at a time). An
        article that fails, or is unfinished at the request deadline, becomes a
        failure record; only an unreachable backend fails the whole batch (503).
        """
        fields = log_fields(request.scope)
        fields["articles"] = len(body.articles)
        results = await runner.extract_many(body.articles, runner.deadline())
        fields["failed"] = sum(isinstance(record, ExtractionFailure) for record in results)
        return BatchResponse(results=results)

    # The schema shows the configured batch bound: give FastAPI the bounded model.
    extract_batch.__annotations__["body"] = Annotated[
        bounded_batch_request(runner.settings.batch_max_items),
        Body(openapi_examples=BATCH_EXAMPLES),
    ]
    router.add_api_route(
        "/extract/batch",
        extract_batch,
        methods=["POST"],
        response_model=BatchResponse,
        responses=BATCH_ERRORS,
        summary="Extract the events of several articles",
    )
    return router
