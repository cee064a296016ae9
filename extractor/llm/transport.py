"""Retry what is transient at the HTTP layer: 429, 5xx, timeouts, lost connections.

These retries sit below instructor, so a transport failure is never shown to
the model in a re-ask prompt; only validation failures are. The retries of one
answer, requests and waits together, stay within `transport_max_total_s`: no wait
crosses it, and each request's timeout is cut to the time that is left.
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

import httpx2
import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)
from tenacity.wait import wait_base

from ..config import Settings
from .stats import current_stats

_RETRYABLE_STATUS = frozenset({408, 409, 429})
_MIN_TIMEOUT_S = 0.01


class BrokenResponse(Exception):
    """The endpoint's HTTP body was cut off or is not JSON: no answer arrived, so retry."""


class TimeBudgetSpent(Exception):
    """A request was stopped because the answer's transport time budget ran out."""


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in _RETRYABLE_STATUS or exc.status_code >= 500
    return isinstance(
        exc,
        (openai.APITimeoutError, openai.APIConnectionError, BrokenResponse, TimeBudgetSpent),
    )


def time_left_s(settings: Settings, retry_state: RetryCallState) -> float:
    """What remains of `transport_max_total_s` for this answer's requests."""
    spent = time.monotonic() - retry_state.start_time
    return max(settings.transport_max_total_s - spent, _MIN_TIMEOUT_S)


def request_timeout(settings: Settings, left_s: float) -> httpx2.Timeout:
    """The configured timeouts, cut to the time left in the budget."""
    return httpx2.Timeout(
        min(settings.timeout_s, left_s), connect=min(settings.connect_timeout_s, left_s)
    )


def retry_after_s(exc: BaseException | None) -> float | None:
    """Seconds the server asked us to wait (`retry-after-ms` or `retry-after`)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    if (millis := headers.get("retry-after-ms")) is not None:
        try:
            return max(float(millis) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(parsed.timestamp() - time.time(), 0.0) if parsed else None


class wait_retry_after(wait_base):
    """Honor the server's Retry-After; otherwise exponential backoff with jitter."""

    def __init__(self, fallback: wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        asked = retry_after_s(exc)
        return asked if asked is not None else self.fallback(retry_state)


def _count_retry(retry_state: RetryCallState) -> None:
    current_stats().transport_retries += 1


def _policy(settings: Settings) -> dict[str, Any]:
    return {
        "retry": retry_if_exception(is_transient),
        "wait": wait_retry_after(
            wait_exponential_jitter(
                multiplier=settings.backoff_initial_s,
                max=settings.backoff_max_s,
                jitter=settings.backoff_initial_s,
            )
        ),
        "stop": stop_after_attempt(settings.transport_max_attempts)
        | stop_before_delay(settings.transport_max_total_s),
        "before_sleep": _count_retry,
        "reraise": True,
    }


def sync_retrying(settings: Settings) -> Retrying:
    return Retrying(**_policy(settings))


def async_retrying(settings: Settings) -> AsyncRetrying:
    return AsyncRetrying(**_policy(settings))
