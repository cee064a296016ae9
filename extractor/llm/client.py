"""The openai SDK for any OpenAI-compatible endpoint, with the project's transport retries.

Parsing, validation and re-asks are not done here: the answer format and the
pipeline's conversation do them (`extractor.formats`, `extractor.pipeline`).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import openai

from ..config import Settings
from ..errors import BackendUnavailable
from ..redact import protect_logs, redact
from .stats import current_stats
from .transport import (
    BrokenResponse,
    TimeBudgetSpent,
    async_retrying,
    request_timeout,
    sync_retrying,
    time_left_s,
)

PLACEHOLDER_KEY = "no-key"  # servers without auth still need a header value


class LLMClient:
    """One endpoint: raw openai clients wrapped with transport retries."""

    def __init__(self, settings: Settings, base_url: str, model: str) -> None:
        self.settings = settings
        self.base_url = base_url
        self.model = model
        key = settings.api_key.get_secret_value() if settings.api_key else PLACEHOLDER_KEY
        self._secrets = [key] if settings.api_key else []
        protect_logs(key if settings.api_key else None)
        timeout = httpx2.Timeout(settings.timeout_s, connect=settings.connect_timeout_s)
        common: dict[str, Any] = {
            "base_url": base_url,
            "api_key": key,
            "max_retries": 0,
            "timeout": timeout,
        }
        self._sync = openai.OpenAI(**common)
        self._async = openai.AsyncOpenAI(**common)

    def send(self, **kwargs: Any) -> Any:
        """One chat completion, with the transport retries (no parsing, no re-asks)."""
        return self._send(**kwargs)

    async def asend(self, **kwargs: Any) -> Any:
        return await self._asend(**kwargs)

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)

    def _send(self, **kwargs: Any) -> Any:
        stats = current_stats()
        for attempt in sync_retrying(self.settings):
            with attempt:
                stats.requests += 1
                left = time_left_s(self.settings, attempt.retry_state)
                timeout = request_timeout(self.settings, left)
                try:
                    completion = self._sync.chat.completions.create(**kwargs, timeout=timeout)
                except json.JSONDecodeError as exc:
                    raise BrokenResponse(f"response body is not complete JSON: {exc}") from None
        stats.record_answer(completion)
        return completion

    async def _asend(self, **kwargs: Any) -> Any:
        stats = current_stats()
        async for attempt in async_retrying(self.settings):
            with attempt:
                stats.requests += 1
                left = time_left_s(self.settings, attempt.retry_state)
                timeout = request_timeout(self.settings, left)
                try:
                    async with asyncio.timeout(left):  # also bounds a slowly trickling body
                        completion = await self._async.chat.completions.create(
                            **kwargs, timeout=timeout
                        )
                except json.JSONDecodeError as exc:
                    raise BrokenResponse(f"response body is not complete JSON: {exc}") from None
                except TimeoutError:
                    raise TimeBudgetSpent(
                        f"no complete answer within EXTRACTOR_TRANSPORT_MAX_TOTAL_S "
                        f"({self.settings.transport_max_total_s:g} s)"
                    ) from None
        stats.record_answer(completion)
        return completion

    def check(self) -> None:
        """Fail fast, in one line, when the endpoint cannot be reached or refuses the key."""
        try:
            self._sync.with_options(timeout=self.settings.connect_timeout_s * 2).models.list()
        except openai.AuthenticationError:
            raise BackendUnavailable(
                f"{self.base_url} rejected the API key (HTTP 401): check EXTRACTOR_API_KEY"
            ) from None
        except openai.NotFoundError:
            return  # some OpenAI-compatible servers have no /models; the endpoint answered
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise BackendUnavailable(
                f"cannot reach {self.base_url} (EXTRACTOR_BASE_URL): {self.redact(str(exc))}"
            ) from None
        except openai.APIStatusError as exc:
            if exc.status_code >= 500:
                raise BackendUnavailable(
                    f"{self.base_url} answered HTTP {exc.status_code} to a health check"
                ) from None

    async def aclose(self) -> None:
        await self._async.close()
        self._sync.close()

    def close(self) -> None:
        self._sync.close()
