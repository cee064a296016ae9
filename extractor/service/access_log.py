"""Structured JSON logs: one access line per request, never the body, a header or a secret."""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..redact import redact
from .metrics import ServiceMetrics

access_log = logging.getLogger("extractor.access")
_REQUEST_ID = re.compile(r"\A[A-Za-z0-9._-]{1,64}\Z")
_MAX_PATH = 200


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's `fields`."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage(), self.secrets),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        stack = getattr(record, "stack", None)
        if record.exc_info and record.exc_info[1] is not None:
            entry["exc_type"] = type(record.exc_info[1]).__name__
            stack = "".join(traceback.format_tb(record.exc_info[2]))
        if stack:
            entry["stack"] = redact(str(stack), self.secrets)
        return json.dumps(entry, default=str)


def log_fields(scope: Scope) -> dict[str, Any]:
    """Fields a handler adds to its request's access line (counts and outcomes, no text)."""
    state: dict[str, Any] = scope.setdefault("state", {})
    fields: dict[str, Any] = state.setdefault("log_fields", {})
    return fields


class RequestObserverMiddleware:
    """Gives each request an id, then logs and counts it when it is answered."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        bytes_out = 0

        async def observed_send(message: Message) -> None:
            nonlocal status, bytes_out
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            elif message["type"] == "http.response.body":
                bytes_out += len(message.get("body", b""))
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, observed_send)
        finally:
            self.metrics.in_flight.dec()
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe_http(route, scope["method"], status, seconds)
            fields = {
                "event": "access",
                "request_id": request_id,
                "method": scope["method"],
                "route": route,
                "path": redact(scope.get("path", "")[:_MAX_PATH]),
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "bytes_in": _header_int(scope, b"content-length"),
                "bytes_out": bytes_out,
                "client": (scope.get("client") or ("", 0))[0],
                **log_fields(scope),
            }
            access_log.info("%s %s %d", scope["method"], route, status, extra={"fields": fields})


def _request_id(scope: Scope) -> str:
    """The caller's X-Request-ID if it is a plain token, else a new one."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given = str(value.decode("latin-1"))
            if _REQUEST_ID.match(given):
                return given
    return uuid.uuid4().hex


def _header_int(scope: Scope, wanted: bytes) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == wanted and value.isdigit():
            return int(value)
    return None


def configure_logging(level: int = logging.INFO, secrets: Iterable[str | None] = ()) -> None:
    """Route every log record (uvicorn's too) to stderr as JSON lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our access line replaces it
    logging.getLogger("httpx2").setLevel(logging.WARNING)
