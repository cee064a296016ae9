"""A FIXTURE loopback OpenAI-compatible server whose every answer is a tool call with no events.

Hand-written, not a recording. An answer with no events is valid and grounded
for any article, so the service can be driven with arbitrary (generated) text.
`delay_s` slows every answer, `models_delay_s` every GET /v1/models (as llama.cpp's
server does while it generates); `fail_status` makes every completion fail.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.scripted_server import tool_call_completion

PROMPT_TOKENS = 50
COMPLETION_TOKENS = 5


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout test) is expected; anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class NoEventsServer:
    def __init__(self, delay_s: float = 0.0, fail_status: int | None = None) -> None:
        self.delay_s = delay_s
        self.models_delay_s = 0.0
        self.fail_status = fail_status
        self.completions = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                time.sleep(server.models_delay_s)
                self._send(200, {"object": "list", "data": [{"id": "fixture", "object": "model"}]})

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                with server._lock:
                    server.completions += 1
                time.sleep(server.delay_s)
                if server.fail_status is not None:
                    self._send(server.fail_status, {"error": {"message": "fixture failure"}})
                    return
                answer = tool_call_completion(
                    {"events": []},
                    prompt_tokens=PROMPT_TOKENS,
                    completion_tokens=COMPLETION_TOKENS,
                )
                self._send(200, answer)

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> NoEventsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
