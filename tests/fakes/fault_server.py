"""A loopback OpenAI-compatible server that answers correctly or injects faults: a FIXTURE.

Not a recording and not a model. A correct answer is built from the request itself: the
article inside the prompt's last `<article>` block, the tool schema in `tools`. Each
sentence with a trigger verb ("met", "signed", "invested", ...) becomes one event whose
evidence is that sentence verbatim and whose participants are capitalised names taken
from it, so the answer is valid against the request's schema (enum, maxItems, maxLength
included) and grounded in the article.

Faults come at a rate per class. The choice for the n-th request about an article
depends only on (seed, article text, n), so a run repeats whatever the request order.
The server listens on 127.0.0.1 only, stops itself after `lifetime_s` seconds or
`max_requests` chat requests, and counts what it injected per class.

Run standalone (for benchmark scripts): `python -m tests.fakes.fault_server --rate 0.3`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import re
import socket
import struct
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from extractor_prompts import load_examples

OK = "ok"
TRANSPORT_FAULTS = (
    "rate_limit_retry_after",  # 429 with Retry-After
    "rate_limit",  # 429 without Retry-After
    "http_500",
    "http_502",
    "http_503",
    "reset",  # the connection is reset before any answer
    "slow",  # the answer comes after `slow_s`, past the client's timeout
    "truncated_body",  # the HTTP body stops mid-JSON
)
ANSWER_FAULTS = (
    "truncated_json",  # the tool-call arguments stop mid-JSON
    "schema_break",  # well-formed JSON that breaks the schema
    "hallucination",  # names or evidence that are not in the article
    "few_shot_copy",  # the few-shot example's events instead of the article's
)
FAULTS = TRANSPORT_FAULTS + ANSWER_FAULTS

ARTICLE_BLOCK = re.compile(
    r'<article id="(?P<id>[^"]*)" published="(?P<published>[^"]*)">\n(?P<body>.*?)\n</article>',
    re.DOTALL,
)
SENTENCE = re.compile(r"[^\s.!?][^.!?\n]*[.!?]")
NAME = re.compile(r"\b[A-Z][\w'-]+(?: (?:of |de |the )?[A-Z][\w'-]+)+")
TRIGGERS: tuple[tuple[str, str], ...] = (
    (" signed ", "agreement"),
    (" invested ", "investment"),
    (" met ", "meeting"),
    (" held talks ", "meeting"),
)
INVENTED_NAME = "Zebulon Quartermaine"
INVENTED_EVIDENCE = "The two delegations agreed to build a bridge to the Moon."


def even_rates(total: float, classes: Iterable[str] = FAULTS) -> dict[str, float]:
    """`total` spread evenly over the given fault classes."""
    names = list(classes)
    return {name: total / len(names) for name in names}


def article_of(request: Mapping[str, Any]) -> tuple[str, str, str]:
    """(id, published, body) of the article to extract: the prompt's last `<article>` block."""
    for message in request.get("messages", []):
        if message.get("role") != "user" or not isinstance(message.get("content"), str):
            continue
        blocks = list(ARTICLE_BLOCK.finditer(message["content"]))
        if blocks:
            last = blocks[-1]
            return last["id"], last["published"], last["body"].replace("<\\/article", "</article")
    raise ValueError("no <article> block in the request")


def correct_events(body: str, published: str, schema: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One event per trigger sentence, within the schema's bounds; grounded by construction."""
    events_schema = schema.get("properties", {}).get("events", {})
    max_items = events_schema.get("maxItems")
    definitions = schema.get("$defs", {})
    evidence_enum = _evidence_enum(definitions)
    max_length = _max_length(definitions)
    candidates = evidence_enum or [m.group(0) for m in SENTENCE.finditer(body)]
    day = published if re.fullmatch(r"\d{4}-\d{2}-\d{2}", published) else None
    events: list[dict[str, Any]] = []
    for sentence in candidates:
        if max_items is not None and len(events) >= max_items:
            break
        kind = next((k for trigger, k in TRIGGERS if trigger in f" {sentence} "), None)
        if kind is None or "<\\/article" in sentence:
            continue
        names = [n for n in dict.fromkeys(NAME.findall(sentence)) if _fits(n, max_length)][:3]
        events.append(_event(kind, sentence, day, names))
    return events


def _event(kind: str, evidence: str, day: str | None, names: list[str]) -> dict[str, Any]:
    participants = [
        {"name": name, "kind": "organization", "title": None, "affiliation": None} for name in names
    ]
    event: dict[str, Any] = {
        "type": kind,
        "evidence": evidence,
        "status": "occurred",
        "date": day,
        "location": None,
        "participants": participants,
    }
    if kind == "meeting":
        event["topics"] = []
    elif kind == "agreement":
        event.update(agreement_kind=None, subject=None, value=None)
    elif kind == "investment":
        event.update(investor=None, target=None, value=None)
    return event


def _evidence_enum(definitions: Mapping[str, Any]) -> list[str] | None:
    for definition in definitions.values():
        enum = definition.get("properties", {}).get("evidence", {}).get("enum")
        if enum:
            return list(enum)
    return None


def _max_length(node: Any) -> int | None:
    found: list[int] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("maxLength"), int):
                found.append(value["maxLength"])
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(node)
    return min(found) if found else None


def _fits(text: str, max_length: int | None) -> bool:
    return max_length is None or len(text) <= max_length


def completion(
    arguments: str, tool_name: str, *, finish_reason: str = "tool_calls"
) -> dict[str, Any]:
    """A chat completion with one tool call, with token counts proportional to its size."""
    return {
        "id": "chatcmpl-fault-server",
        "object": "chat.completion",
        "created": 0,
        "model": "fault-server",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_0",
                            "type": "function",
                            "function": {"name": tool_name, "arguments": arguments},
                        }
                    ],
                },
            }
        ],
        "usage": {
            "prompt_tokens": 100,
            "completion_tokens": max(len(arguments) // 4, 1),
            "total_tokens": 100 + max(len(arguments) // 4, 1),
        },
    }


class FaultServer:
    """Serves POST /v1/chat/completions with correct answers or seeded faults; GET /v1/models."""

    def __init__(
        self,
        rates: Mapping[str, float] | None = None,
        *,
        seed: int = 0,
        script: Iterable[str] = (),
        retry_after: str = "1",
        slow_s: float = 2.0,
        max_requests: int = 5_000,
        lifetime_s: float = 300.0,
        keep_requests: bool = True,
    ) -> None:
        self.set_rates(rates or {})
        self.seed = seed
        self.script: deque[str] = deque(script)
        for name in self.script:
            self._check_class(name)
        self.retry_after = retry_after
        self.slow_s = slow_s
        self.max_requests = max_requests
        self.lifetime_s = lifetime_s
        self.keep_requests = keep_requests
        self.injected: Counter[str] = Counter()
        self.requests: list[dict[str, Any]] = []
        self.served: list[tuple[str, str]] = []  # (article id, fault class or "ok")
        self._per_article: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._examples = [
            {"events": [e.model_dump(mode="json", exclude={"evidence_span"}) for e in ex.events]}
            for ex in load_examples("default")
        ]
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    # -- configuration -------------------------------------------------------------------
    @staticmethod
    def _check_class(name: str) -> None:
        if name != OK and name not in FAULTS:
            raise ValueError(f"unknown fault class {name!r}; known: {', '.join(FAULTS)}")

    def set_rates(self, rates: Mapping[str, float]) -> None:
        """Change the fault rates (e.g. to {} to switch faults off between runs)."""
        for name in rates:
            self._check_class(name)
        if sum(rates.values()) > 1.0 + 1e-9:
            raise ValueError("fault rates add up to more than 1")
        self.rates = {name: rates[name] for name in FAULTS if rates.get(name)}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    @property
    def chat_requests(self) -> int:
        return len(self.served)

    # -- choosing ------------------------------------------------------------------------
    def choose(self, article_text: str) -> str:
        """The script's next entry, else a seeded draw for (seed, article, request number)."""
        with self._lock:
            if self.script:
                return self.script.popleft()
            key = hashlib.sha256(article_text.encode("utf-8", "surrogatepass")).hexdigest()
            number = self._per_article[key]
            self._per_article[key] += 1
        draw = random.Random(f"{self.seed}:{key}:{number}").random()
        total = 0.0
        for name, rate in self.rates.items():
            total += rate
            if draw < total:
                return name
        return OK

    # -- answers -------------------------------------------------------------------------
    def answer_for(self, request: Mapping[str, Any], fault: str) -> dict[str, Any]:
        """The completion for one request: correct, or carrying an answer fault."""
        _, published, body = article_of(request)
        function = request["tools"][0]["function"]
        events = correct_events(body, published, function.get("parameters", {}))
        rng = random.Random(f"{self.seed}:{fault}:{body[:200]}")
        arguments: str
        if fault == "truncated_json":
            full = json.dumps({"events": events or [_event("meeting", "x" * 40, None, [])]})
            arguments = full[: len(full) // 2]
        elif fault == "schema_break":
            arguments = json.dumps(_break_schema(events, rng))
        elif fault == "hallucination":
            arguments = json.dumps(_hallucinate(events, rng))
        elif fault == "few_shot_copy":
            arguments = json.dumps(self._examples[0])
        else:
            arguments = json.dumps({"events": events})
        return completion(arguments, function["name"])

    # -- HTTP ----------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._json(200, {"object": "list", "data": [{"id": "fault-server"}]})

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                request = json.loads(raw or b"{}")
                try:
                    article_id, _, body = article_of(request)
                except ValueError as exc:
                    self._json(400, {"error": {"message": str(exc)}})
                    return
                fault = server.choose(body)
                with server._lock:
                    if len(server.served) >= server.max_requests:
                        fault = "budget_spent"
                    else:
                        server.served.append((article_id, fault))
                        if fault != OK:
                            server.injected[fault] += 1
                        if server.keep_requests:
                            server.requests.append(request)
                        if len(server.served) >= server.max_requests:
                            threading.Thread(target=server.stop, daemon=True).start()
                self._serve_fault(fault, request)

            def _serve_fault(self, fault: str, request: dict[str, Any]) -> None:
                if fault in ("reset", "budget_spent"):
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    self.close_connection = True
                elif fault == "rate_limit_retry_after":
                    error = {"error": {"message": "Rate limit reached", "type": "rate_limit"}}
                    self._json(429, error, {"retry-after": server.retry_after})
                elif fault == "rate_limit":
                    self._json(429, {"error": {"message": "Too many requests"}})
                elif fault in ("http_500", "http_503"):
                    status = int(fault.removeprefix("http_"))
                    self._json(status, {"error": {"message": "The server had an error"}})
                elif fault == "http_502":
                    self._raw(502, b"<html><body>502 Bad Gateway</body></html>", "text/html")
                elif fault == "truncated_body":
                    data = json.dumps(server.answer_for(request, OK)).encode()
                    self._raw(200, data[: len(data) // 2], "application/json")
                else:
                    if fault == "slow" and server._stopped.wait(server.slow_s):
                        return
                    self._json(200, server.answer_for(request, fault))

            def _json(self, status: int, body: Any, headers: Mapping[str, str] = {}) -> None:
                self._raw(status, json.dumps(body).encode(), "application/json", headers)

            def _raw(
                self, status: int, data: bytes, kind: str, headers: Mapping[str, str] = {}
            ) -> None:
                try:
                    self.send_response(status)
                    self.send_header("content-type", kind)
                    self.send_header("content-length", str(len(data)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (e.g. timed out on a slow answer)

        return Handler

    def _serve(self) -> None:
        self._httpd.timeout = 0.2
        deadline = time.monotonic() + self.lifetime_s
        while not self._stopped.is_set() and time.monotonic() < deadline:
            self._httpd.handle_request()
        self._stopped.set()

    def stop(self) -> None:
        self._stopped.set()

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._thread.join(timeout=5)
        self._httpd.server_close()

    def report(self) -> dict[str, Any]:
        """What was served: requests, injected faults per class, correct answers."""
        return {
            "chat_requests": self.chat_requests,
            "correct_answers": sum(1 for _, fault in self.served if fault == OK),
            "injected": {name: self.injected[name] for name in FAULTS},
        }


def _break_schema(events: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """Well-formed JSON the schema rejects: a wrong enum, a wrong type or a missing field."""
    base = json.loads(json.dumps(events)) or [_event("meeting", "placeholder", None, [])]
    variant = rng.randrange(4)
    if variant == 0:
        base[0]["type"] = "press_conference"
    elif variant == 1:
        base[0]["status"] = "perhaps"
    elif variant == 2:
        del base[0]["evidence"]
    else:
        return {"events": "none found"}
    return {"events": base}


def _hallucinate(events: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """Invented names or evidence (not in the article), in an otherwise valid answer."""
    base = json.loads(json.dumps(events))
    if not base or rng.random() < 0.5:
        base.append(_event("meeting", INVENTED_EVIDENCE, None, [INVENTED_NAME]))
    else:
        base[0]["participants"].append(
            {"name": INVENTED_NAME, "kind": "person", "title": None, "affiliation": None}
        )
    return {"events": base}


def main(argv: list[str] | None = None) -> None:
    """Serve until the lifetime or request budget is spent, then print the counts as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rate", type=float, default=0.3, help="total fault rate, spread evenly")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--slow-s", type=float, default=2.0)
    parser.add_argument("--retry-after", default="1")
    parser.add_argument("--lifetime-s", type=float, default=600.0)
    parser.add_argument("--max-requests", type=int, default=20_000)
    args = parser.parse_args(argv)
    server = FaultServer(
        even_rates(args.rate),
        seed=args.seed,
        slow_s=args.slow_s,
        retry_after=args.retry_after,
        lifetime_s=args.lifetime_s,
        max_requests=args.max_requests,
        keep_requests=False,
    )
    with server:
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server._thread.join()
    json.dump(server.report(), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
