"""Choose the endpoint: the configured one, or the embedded server."""

from __future__ import annotations

import threading

from ..config import Settings
from .client import LLMClient
from .embedded import EmbeddedServer, model_alias


class Backend:
    """Opens the LLM client on first use: starts the embedded server or checks the URL."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedded: EmbeddedServer | None = None
        self._client: LLMClient | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return self.settings.model or model_alias(self.settings.adapter_path)

    def client(self) -> LLMClient:
        with self._lock:
            if self._client is None:
                if self.settings.uses_embedded:
                    self.embedded = EmbeddedServer(self.settings)
                    base_url = self.embedded.start()
                else:
                    assert self.settings.base_url is not None
                    base_url = self.settings.base_url
                client = LLMClient(self.settings, base_url=base_url, model=self.model)
                client.check()
                self._client = client
            return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None
