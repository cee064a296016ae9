"""A loopback OpenAI-compatible stub for load tests: fixed latency, grounded answers.

A FIXTURE, not a model and not a recording: every answer is built by hand-written
rules from the article inside the request (its first sentences become evidence,
capitalised names in them become participants), so it passes the extractor's
schema validation and grounding. Its only job is load.

Run it:   python tests/fakes/stub_server.py --latency-ms 200 --port 8099
Import it (tests, load tests of other services):

    from tests.fakes.stub_server import StubServer
    with StubServer(latency_ms=200) as stub:
        ...  # point EXTRACTOR_BASE_URL at stub.base_url; stub.requests counts POSTs
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import threading
from typing import Any

from aiohttp import web

MODEL_NAME = "stub-model"
_ARTICLE = re.compile(r"<article[^>]*>\n(?P<body>.*?)\n</article>", re.DOTALL)
_SENTENCE = re.compile(r"[^.!?\n]{20,}?[.!?](?=\s|$)")
_NAME = re.compile(r"\b[A-Z][\w&'-]+(?: (?:of |de |al-)?[A-Z][\w&'-]+)*")
_STOP_NAMES = frozenset({"The", "A", "An", "It", "In", "On", "At", "He", "She", "They", "This"})


def _names(sentence: str, limit: int = 2) -> list[str]:
    found: list[str] = []
    for match in _NAME.finditer(sentence):
        name = match.group(0)
        if name not in _STOP_NAMES and name not in found and len(name) > 2:
            found.append(name)
        if len(found) == limit:
            break
    return found


def events_for(body: str) -> list[dict[str, Any]]:
    """A meeting from the first sentence, a project milestone from the second."""
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(body)]
    sentences = [s for s in sentences if "<" not in s and ">" not in s][:2]
    events: list[dict[str, Any]] = []
    if sentences:
        events.append(
            {
                "type": "meeting",
                "evidence": sentences[0],
                "status": "occurred",
                "date": None,
                "location": None,
                "participants": [
                    {"name": name, "kind": "organization", "title": None, "affiliation": None}
                    for name in _names(sentences[0])
                ],
                "topics": ["cooperation"],
            }
        )
    if len(sentences) > 1:
        names = _names(sentences[1], limit=1)
        events.append(
            {
                "type": "project_milestone",
                "evidence": sentences[1],
                "status": "planned",
                "date": None,
                "location": None,
                "participants": [],
                "project": names[0] if names else "the project",
                "milestone": "announced",
            }
        )
    return events


def _article_body(request: dict[str, Any]) -> str:
    for message in reversed(request.get("messages", [])):
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            bodies = _ARTICLE.findall(message["content"])
            if bodies:
                return str(bodies[-1])
    return ""


def completion_for(request: dict[str, Any], request_bytes: int = 0) -> dict[str, Any]:
    """The chat completion the stub answers to one request (tool call, or JSON content)."""
    choice = request.get("tool_choice")
    tool = choice["function"]["name"] if isinstance(choice, dict) and "function" in choice else None
    return build_completion(
        _article_body(request), tool, str(request.get("model", MODEL_NAME)), request_bytes
    )


def build_completion(
    article_body: str, tool: str | None, model: str, request_bytes: int
) -> dict[str, Any]:
    """A tool call to `tool` (or JSON content when None) with the events of the article."""
    arguments = json.dumps({"events": events_for(article_body)})
    message: dict[str, Any] = {"role": "assistant", "content": None}
    finish = "stop"
    if tool is not None:
        message["tool_calls"] = [
            {
                "id": "call_stub",
                "type": "function",
                "function": {"name": tool, "arguments": arguments},
            }
        ]
        finish = "tool_calls"
    else:
        message["content"] = arguments
    prompt_tokens = max(request_bytes // 4, 1)
    completion_tokens = max(len(arguments) // 4, 1)
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


_RAW_TOOL = re.compile(
    rb'"tool_choice"\s*:\s*\{[^{}]*?"function"\s*:\s*\{\s*"name"\s*:\s*"([^"\\]+)"'
)
_RAW_MODEL = re.compile(rb'^\{[^\n]*?"model"\s*:\s*"([^"\\]*)"')


def _completion_from_raw(raw: bytes) -> dict[str, Any] | None:
    """The answer read straight from the request bytes (no full JSON parse: the stub stays
    light, so the clients it serves get the CPU); None when the shortcut does not apply."""
    start = raw.rfind(b"<article")
    if start < 0 or b'"role": "tool"' in raw or b'"role":"tool"' in raw:
        return None
    open_end = raw.find(b">\\n", start)
    close = raw.find(b"\\n</article>", open_end)
    model = _RAW_MODEL.search(raw)
    if open_end < 0 or close < 0 or model is None:
        return None
    try:
        body = json.loads(b'"' + raw[open_end + 3 : close] + b'"')
    except ValueError:
        return None
    tool = _RAW_TOOL.search(raw)
    name = tool.group(1).decode() if tool else None
    return build_completion(body, name, model.group(1).decode(), len(raw))


class _Counter:
    def __init__(self) -> None:
        self.requests = 0


def create_app(latency_s: float, counter: _Counter | None = None) -> web.Application:
    """The aiohttp application: POST /v1/chat/completions after `latency_s`, GET /v1/models."""
    counter = counter or _Counter()

    async def completions(request: web.Request) -> web.Response:
        raw = await request.read()
        counter.requests += 1
        answer = _completion_from_raw(raw) or completion_for(json.loads(raw), len(raw))
        if latency_s > 0:
            await asyncio.sleep(latency_s)
        return web.json_response(answer)

    async def models(request: web.Request) -> web.Response:
        return web.json_response(
            {"object": "list", "data": [{"id": MODEL_NAME, "object": "model"}]}
        )

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/v1/chat/completions", completions)
    app.router.add_get("/v1/models", models)
    return app


class StubServer:
    """The stub on 127.0.0.1 in a background thread with its own event loop."""

    def __init__(self, latency_ms: float = 200.0, port: int = 0) -> None:
        self.latency_s = latency_ms / 1000
        self.port = port
        self._counter = _Counter()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def requests(self) -> int:
        """POST requests received so far."""
        return self._counter.requests

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def _start(self) -> None:
        self._runner = web.AppRunner(create_app(self.latency_s, self._counter), access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock, backlog=1024).start()

    def __enter__(self) -> StubServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="loopback only (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--latency-ms", type=float, default=200.0, help="delay of every answer")
    args = parser.parse_args(argv)
    if not args.host.startswith("127.") and args.host not in ("localhost", "::1"):
        parser.error("the stub serves the loopback interface only")
    print(f"stub on http://{args.host}:{args.port}/v1, latency {args.latency_ms:g} ms", flush=True)
    web.run_app(
        create_app(args.latency_ms / 1000),
        host=args.host,
        port=args.port,
        access_log=None,
        print=None,
        backlog=1024,
    )


if __name__ == "__main__":
    main()
