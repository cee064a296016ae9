"""Requests-per-minute and tokens-per-minute limits, as a provider enforces them.

Both are leaky buckets (aiolimiter) over 60 s. A request takes one request slot and
its estimated prompt tokens before it is sent; when the answer reports its real
token count, the difference is taken too, so the next requests wait for it.
"""

from __future__ import annotations

from aiolimiter import AsyncLimiter

CHARS_PER_TOKEN = 4  # a rough, provider-neutral estimate for the prompt before it is sent


def estimate_tokens(body: bytes) -> int:
    return max(len(body) // CHARS_PER_TOKEN, 1)


class RateLimits:
    """Optional `rpm` / `tpm` budgets shared by every worker of a batch."""

    def __init__(self, rpm: int | None = None, tpm: int | None = None) -> None:
        if rpm is not None and rpm <= 0:
            raise ValueError("rpm must be positive")
        if tpm is not None and tpm <= 0:
            raise ValueError("tpm must be positive")
        self.rpm = rpm
        self.tpm = tpm
        self._requests = AsyncLimiter(rpm, 60) if rpm else None
        self._tokens = AsyncLimiter(tpm, 60) if tpm else None

    @property
    def active(self) -> bool:
        return self._requests is not None or self._tokens is not None

    async def before_request(self, estimated_tokens: int) -> None:
        """Wait until one more request of about `estimated_tokens` fits both budgets."""
        if self._requests is not None:
            await self._requests.acquire()
        if self._tokens is not None:
            await self._take_tokens(estimated_tokens)

    async def after_answer(self, estimated_tokens: int, actual_tokens: int) -> None:
        """Charge the tokens the answer really used beyond the estimate."""
        if self._tokens is not None and actual_tokens > estimated_tokens:
            await self._take_tokens(actual_tokens - estimated_tokens)

    async def _take_tokens(self, amount: int) -> None:
        assert self._tokens is not None
        capacity = int(self._tokens.max_rate)
        while amount > 0:  # aiolimiter refuses one acquire larger than the bucket
            step = min(amount, capacity)
            await self._tokens.acquire(step)
            amount -= step
