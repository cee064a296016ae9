"""A loopback proxy in front of a real OpenAI-compatible server that injects planned faults.

Used only while recording cassettes: the faults it answers are its own (a FIXTURE's
replies), every other answer is the real server's, forwarded unchanged.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2


@dataclass(frozen=True)
class Fault:
    """One injected answer: a status with headers, as a rate limiter or gateway would send."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str = ""


RATE_LIMITED = Fault(429, {"retry-after": "1"}, "Rate limit reached, retry after 1s")
UNAVAILABLE = Fault(503, {}, "The upstream model is overloaded")
GATEWAY_TIMEOUT = Fault(504, {}, "The upstream model did not answer in time")


class FaultProxy:
    """Answers the planned faults to POST requests in order, then forwards to `upstream`."""

    def __init__(self, upstream: str, plan: list[Fault], *, max_lifetime_s: float = 600) -> None:
        self.upstream = upstream.rstrip("/")
        self.plan: deque[Fault] = deque(plan)
        self.max_lifetime_s = max_lifetime_s
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._forward(b"")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if proxy.plan:
                    fault = proxy.plan.popleft()
                    error = {"error": {"message": fault.message, "code": fault.status}}
                    self._answer(fault.status, json.dumps(error).encode(), fault.headers)
                    return
                self._forward(body)

            def _forward(self, body: bytes) -> None:
                path = self.path.removeprefix("/v1")
                response = httpx2.request(
                    self.command,
                    f"{proxy.upstream}{path}",
                    content=body or None,
                    headers={"content-type": "application/json"},
                    timeout=600,
                )
                self._answer(response.status_code, response.content, {})

            def _answer(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        deadline = time.monotonic() + self.max_lifetime_s
        self._httpd.timeout = 0.5
        while time.monotonic() < deadline and not self._stopped.is_set():
            self._httpd.handle_request()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> FaultProxy:
        self._stopped = threading.Event()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._httpd.server_close()
