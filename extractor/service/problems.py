"""Every error becomes a Problem body with a fitting status; never a traceback.

| cause | status |
|---|---|
| body fails the schema (empty text, wrong type, unknown field), bad date prefix | 422 |
| backend cannot be reached (BackendUnavailable) | 503 + Retry-After |
| backend kept failing: 429, 5xx, timeouts (ExtractionError kind "transport") | 503 + Retry-After |
| backend refused the request, e.g. 400 or 401 (kind "request") | 502 |
| the model's answers kept failing the schema or grounding (kind "validation") | 502 |
| extraction still running at the request deadline | 504 |
| a bug of ours (kind "internal" or any other exception) | 500, no details |

Model answers that never validate are a 502 and not a 422: the request was
valid, the upstream's answers were not, so 422 stays the client's to fix.
"""

from __future__ import annotations

import logging
import math
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import ArticleError, BackendUnavailable, ExtractionError
from .models import FieldProblem, Problem

log = logging.getLogger("extractor.service")

BACKEND_RETRY_AFTER_S = 5.0
"""Retry-After when the backend is down and did not say how long to wait."""

_HTTP_ERRORS = {
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    504: "timeout",
}


class ServiceError(Exception):
    """An error response decided by the service itself (401, 413, 504...)."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers or {}
        self.retry_after_s = retry_after_s


def problem_response(
    request: Request,
    status: int,
    problem: Problem,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    problem.request_id = getattr(request.state, "request_id", None)
    headers = dict(headers or {})
    if problem.retry_after_s is not None:
        headers["retry-after"] = str(math.ceil(problem.retry_after_s))
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers
    )


def extraction_status(exc: ExtractionError) -> tuple[int, float | None]:
    """HTTP status and Retry-After seconds for a spent extraction."""
    if exc.kind == "transport":
        return 503, exc.retry_after_s if exc.retry_after_s is not None else BACKEND_RETRY_AFTER_S
    if exc.kind in ("request", "validation"):
        return 502, None
    return 500, None


async def _on_extraction_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ExtractionError)
    status, retry_after = extraction_status(exc)
    article_id = getattr(request.state, "article_id", None) or "unknown"
    message = str(exc) if status != 500 else "internal error; see the server log"
    if status == 500:
        _log_internal(exc)
    problem = Problem(
        error=exc.error_class,
        message=message,
        retry_after_s=retry_after,
        failure=exc.as_record(article_id).model_copy(update={"message": message}),
    )
    return problem_response(request, status, problem)


async def _on_backend_unavailable(request: Request, exc: Exception) -> JSONResponse:
    problem = Problem(
        error="backend_unavailable", message=str(exc), retry_after_s=BACKEND_RETRY_AFTER_S
    )
    return problem_response(request, 503, problem)


async def _on_article_error(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 422, Problem(error="article_error", message=str(exc)))


async def _on_invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [_field_problem(error) for error in exc.errors()]
    summary = "; ".join(f"{p.location}: {p.message}" for p in problems[:5])
    problem = Problem(
        error="invalid_request", message=f"invalid request: {summary}", problems=problems
    )
    return problem_response(request, 422, problem)


async def _on_service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    problem = Problem(error=exc.error, message=exc.message, retry_after_s=exc.retry_after_s)
    return problem_response(request, exc.status, problem, exc.headers)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # FastAPI could not even decode the body: bad input, like a 422
        message = "invalid request: the body is not UTF-8 JSON"
        return problem_response(request, 422, Problem(error="invalid_request", message=message))
    error = _HTTP_ERRORS.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else error.replace("_", " ")
    headers = dict(exc.headers or {})
    problem = Problem(error=error, message=message)
    return problem_response(request, exc.status_code, problem, headers)


class InternalErrorMiddleware:
    """Turns an exception no handler took into a bare 500 Problem, logged without its message.

    It sits inside the app's middleware so the exception never reaches
    Starlette's outer error handler, which would log the message as text.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            _log_internal(exc)
            if started:
                raise
            problem = Problem(
                error="internal_error",
                message="internal error; see the server log",
                request_id=scope.get("state", {}).get("request_id"),
            )
            response = JSONResponse(problem.model_dump(mode="json", exclude_none=True), 500)
            await response(scope, receive, send)


def _log_internal(exc: BaseException) -> None:
    """The stack and the exception's type, but not its message (it may quote the article)."""
    stack = "".join(traceback.format_tb(exc.__traceback__))
    log.error("internal error %s", type(exc).__name__, extra={"stack": stack})


def _field_problem(error: Any) -> FieldProblem:
    location = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return FieldProblem(location=location, message=message, type=str(error.get("type", "")))


def install_handlers(app: FastAPI) -> None:
    """Map every exception the service can meet to a Problem response."""
    app.add_exception_handler(ExtractionError, _on_extraction_error)
    app.add_exception_handler(BackendUnavailable, _on_backend_unavailable)
    app.add_exception_handler(ArticleError, _on_article_error)
    app.add_exception_handler(RequestValidationError, _on_invalid_request)
    app.add_exception_handler(ServiceError, _on_service_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
