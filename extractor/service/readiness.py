"""Whether the LLM backend answers, without ever hanging a probe.

llama.cpp's server holds its model lock while it generates, so even its
/v1/models waits for the current generation to end. The backend therefore
counts as ready when it answered one of our extractions recently (and nothing
failed since), or when a bounded probe of /models answers in time. At most
one probe runs at a time; concurrent checks share it.
"""

from __future__ import annotations

import asyncio
import time

import httpx2

from ..errors import ExtractorError
from ..pipeline import Extractor

_PROBE_HTTP_TIMEOUT_S = 30.0
"""How long a probe left running after its check gave up may still wait."""


class Readiness:
    def __init__(self, extractor: Extractor, probe_timeout_s: float, recent_s: float) -> None:
        self.extractor = extractor
        self.probe_timeout_s = probe_timeout_s
        self.recent_s = recent_s
        self._last_answer: float | None = None
        self._last_failure: float | None = None
        self._probe: asyncio.Task[tuple[bool, str]] | None = None

    def backend_answered(self) -> None:
        self._last_answer = time.monotonic()

    def backend_failed(self) -> None:
        self._last_failure = time.monotonic()

    async def check(self) -> tuple[bool, str]:
        """(ready, reason); returns within the probe timeout."""
        age = self._answer_age()
        if age is not None:
            return True, f"the backend answered an extraction {age:.0f} s ago"
        if self._probe is None or self._probe.done():
            self._probe = asyncio.create_task(self._run_probe())
        try:
            return await asyncio.wait_for(asyncio.shield(self._probe), self.probe_timeout_s)
        except TimeoutError:
            return False, f"the backend did not answer within {self.probe_timeout_s:g} s"

    def _answer_age(self) -> float | None:
        """Seconds since the last answer, if recent and no failure came after it."""
        answer, failure = self._last_answer, self._last_failure
        if answer is None or (failure is not None and failure > answer):
            return None
        age = time.monotonic() - answer
        return age if age <= self.recent_s else None

    async def _run_probe(self) -> tuple[bool, str]:
        try:
            client = await asyncio.to_thread(self.extractor.backend.client)
        except ExtractorError as exc:
            return False, str(exc)
        key = self.extractor.settings.api_key
        headers = {"authorization": f"Bearer {key.get_secret_value()}"} if key else {}
        try:
            async with httpx2.AsyncClient(timeout=_PROBE_HTTP_TIMEOUT_S) as http:
                response = await http.get(f"{client.base_url}/models", headers=headers)
        except httpx2.HTTPError as exc:
            return False, f"cannot reach the backend: {type(exc).__name__}"
        if response.status_code in (401, 403):
            return False, f"the backend refused the API key (HTTP {response.status_code})"
        if response.status_code >= 500:
            return False, f"the backend answered HTTP {response.status_code}"
        return True, "the backend answered a probe"
