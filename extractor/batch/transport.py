"""One shared aiohttp session posting chat-completion bodies, under the project's retry policy.

Transport failures become the openai SDK's exception types (status errors with the
response headers, timeouts, connection errors), so the tenacity policy of
extractor/llm/transport.py decides what is retried and how long to wait
(Retry-After honoured), and `Extractor._failure` classifies what is left exactly as
for a live call. None of it ever reaches a prompt.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import aiohttp
import httpx2
import openai
from extractor_schemas import Usage

from ..config import Settings
from ..llm.client import PLACEHOLDER_KEY
from ..llm.stats import CallStats
from ..llm.transport import BrokenResponse, TimeBudgetSpent, async_retrying, time_left_s
from .limits import RateLimits, estimate_tokens

log = logging.getLogger(__name__)

_STATUS_ERRORS: dict[int, type[openai.APIStatusError]] = {
    400: openai.BadRequestError,
    401: openai.AuthenticationError,
    403: openai.PermissionDeniedError,
    404: openai.NotFoundError,
    409: openai.ConflictError,
    422: openai.UnprocessableEntityError,
    429: openai.RateLimitError,
}


def status_error(
    status: int, headers: dict[str, str], raw: bytes, url: str
) -> openai.APIStatusError:
    """The exception the openai SDK raises for this HTTP error answer."""
    text = raw.decode("utf-8", errors="replace").strip()
    body: Any = text
    try:
        body = json.loads(text)
        message = f"Error code: {status} - {body}"
    except ValueError:
        message = text or f"Error code: {status}"
    response = httpx2.Response(
        status, headers=headers, content=raw, request=httpx2.Request("POST", url)
    )
    data = body.get("error", body) if isinstance(body, dict) else body
    kind = _STATUS_ERRORS.get(status)
    if kind is None:
        kind = openai.InternalServerError if status >= 500 else openai.APIStatusError
    return kind(message, response=response, body=data)


class HttpTransport:
    """POSTs bodies to `{base_url}/chat/completions` with retries; one connection pool."""

    def __init__(
        self,
        settings: Settings,
        base_url: str,
        *,
        connections: int = 100,
        limits: RateLimits | None = None,
    ) -> None:
        self.settings = settings
        self.url = f"{base_url.rstrip('/')}/chat/completions"
        self.limits = limits if limits is not None and limits.active else None
        key = settings.api_key.get_secret_value() if settings.api_key else PLACEHOLDER_KEY
        self._headers = {
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self._connections = max(connections, 1)
        self._session: aiohttp.ClientSession | None = None
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=settings.connect_timeout_s, sock_read=settings.timeout_s
        )

    async def __aenter__(self) -> HttpTransport:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._connections, keepalive_timeout=60),
            timeout=self._timeout,
            headers=self._headers,
            skip_auto_headers=("User-Agent",),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def complete(self, body: bytes, stats: CallStats) -> dict[str, Any]:
        """One answer: HTTP tries under the transport policy; usage recorded in `stats`.

        The first request is sent before the tenacity loop is built (that loop costs more
        CPU than the request itself); if it fails, its error becomes the loop's first
        attempt, with the loop's clock set back to when it was sent, so attempts, waits
        and the time budget are exactly the policy's.
        """
        estimate = estimate_tokens(body) if self.limits else 0
        if self.limits is not None:
            await self.limits.before_request(estimate)
        sent = time.monotonic()
        stats.requests += 1
        try:
            completion = await self._post(body, self.settings.transport_max_total_s)
        except Exception as first:
            completion = await self._retry(body, stats, first, sent, estimate)
        usage = completion.get("usage")
        stats.answers += 1
        stats.last_completion = completion
        if isinstance(usage, dict):
            _add_usage(stats, usage)
            if self.limits is not None:
                await self.limits.after_answer(estimate, int(usage.get("total_tokens") or 0))
        return completion

    async def _retry(
        self, body: bytes, stats: CallStats, first: Exception, sent: float, estimate: int
    ) -> dict[str, Any]:
        failed: Exception | None = first
        async for attempt in async_retrying(self.settings):
            with attempt:
                if failed is not None:
                    attempt.retry_state.start_time = sent
                    error, failed = failed, None
                    raise error
                if self.limits is not None:
                    await self.limits.before_request(estimate)
                stats.requests += 1
                completion = await self._post(body, time_left_s(self.settings, attempt.retry_state))
        return completion

    async def _post(self, body: bytes, left_s: float) -> dict[str, Any]:
        """One HTTP request, bounded by the time left in the answer's transport budget."""
        if self._session is None:
            raise RuntimeError("HttpTransport is not open: use `async with`")
        timeout = self._timeout
        if left_s < self.settings.timeout_s:
            timeout = aiohttp.ClientTimeout(
                sock_connect=min(self.settings.connect_timeout_s, left_s), sock_read=left_s
            )
        try:
            async with (
                asyncio.timeout(left_s),
                self._session.post(self.url, data=body, timeout=timeout) as response,
            ):
                raw = await response.read()
                status = response.status
                headers = response.headers
        except TimeoutError:
            raise TimeBudgetSpent(
                "no complete answer within EXTRACTOR_TRANSPORT_MAX_TOTAL_S "
                f"({self.settings.transport_max_total_s:g} s)"
            ) from None
        except aiohttp.ServerTimeoutError:
            raise openai.APITimeoutError(request=httpx2.Request("POST", self.url)) from None
        except aiohttp.ClientError as exc:
            log.debug("connection error posting to %s: %s", self.url, exc)
            raise openai.APIConnectionError(request=httpx2.Request("POST", self.url)) from None
        if status >= 400:
            raise status_error(status, dict(headers), raw, self.url)
        try:
            completion = json.loads(raw)
        except ValueError as exc:
            raise BrokenResponse(f"response body is not complete JSON: {exc}") from None
        if not isinstance(completion, dict):
            raise BrokenResponse("response body is JSON but not an object")
        return completion


def _add_usage(stats: CallStats, usage: dict[str, Any]) -> None:
    total = stats.usage
    stats.usage = Usage.model_construct(  # plain ints: no need to validate again
        prompt_tokens=total.prompt_tokens + int(usage.get("prompt_tokens") or 0),
        completion_tokens=total.completion_tokens + int(usage.get("completion_tokens") or 0),
        total_tokens=total.total_tokens + int(usage.get("total_tokens") or 0),
    )
