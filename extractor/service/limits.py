"""Request body size limit (413) and the per-request deadline (504)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import TypeVar

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .models import Problem
from .problems import ServiceError

T = TypeVar("T")


class BodySizeLimitMiddleware:
    """Refuses a body over `max_bytes` with 413, by its Content-Length or as it streams in.

    The body is read here (it is at most `max_bytes`) and replayed to the app, so
    the app never sees part of an oversized body.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        problem = Problem(
            error="payload_too_large",
            message=f"request body is over {self.max_bytes} bytes (EXTRACTOR_SERVE_MAX_BODY_BYTES)",
            request_id=scope.get("state", {}).get("request_id"),
        )
        response = JSONResponse(
            problem.model_dump(mode="json", exclude_none=True),
            status_code=413,
            headers={"connection": "close"},
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def within(deadline: float, work: Awaitable[T]) -> T:
    """Await `work` until the `time.monotonic()` deadline; then cancel it and answer 504."""
    timeout = asyncio.timeout(deadline - time.monotonic())
    try:
        async with timeout:
            return await work
    except TimeoutError:
        if not timeout.expired():
            raise
        raise ServiceError(
            504,
            "timeout",
            "the extraction did not finish within the request timeout "
            "(EXTRACTOR_SERVE_REQUEST_TIMEOUT_S)",
        ) from None
