"""A loopback OpenAI-compatible server that plays a script of hand-written replies.

A FIXTURE, not a recording: each test queues the exact replies it needs
(status, headers, body) and can read back every request the client sent.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def _completion(
    message: dict[str, Any], finish_reason: str, prompt_tokens: int, completion_tokens: int
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fixture",
        "object": "chat.completion",
        "created": 0,
        "model": "fixture",
        "choices": [{"index": 0, "finish_reason": finish_reason, "message": message}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def text_completion(
    content: str,
    *,
    finish_reason: str = "stop",
    prompt_tokens: int = 100,
    completion_tokens: int = 20,
) -> dict[str, Any]:
    """A chat completion whose message is plain text (a compact-format answer)."""
    message = {"role": "assistant", "content": content}
    return _completion(message, finish_reason, prompt_tokens, completion_tokens)


def tool_call_completion(
    arguments: dict[str, Any] | str,
    *,
    prompt_tokens: int = 100,
    completion_tokens: int = 20,
    name: str = "ArticleEvents",
) -> dict[str, Any]:
    """A chat completion whose single tool call carries `arguments`."""
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    call = {"id": "call_0", "type": "function", "function": {"name": name, "arguments": raw}}
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return _completion(message, "tool_calls", prompt_tokens, completion_tokens)


class ScriptedServer:
    """Serves queued replies to POST /v1/chat/completions; GET /v1/models always answers."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._send(
                    Reply(200, {"object": "list", "data": [{"id": "fixture", "object": "model"}]})
                )

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                server.requests.append(json.loads(self.rfile.read(length) or b"{}"))
                server.headers.append(dict(self.headers))
                reply = (
                    server.replies.popleft()
                    if server.replies
                    else Reply(500, {"error": "script ran out"})
                )
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                payload = (
                    reply.body if isinstance(reply.body, (bytes, str)) else json.dumps(reply.body)
                )
                data = payload.encode() if isinstance(payload, str) else payload
                self.send_response(reply.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
