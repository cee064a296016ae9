"""Prometheus metrics of one app: HTTP requests, latency, tokens, retries, re-asks."""

from __future__ import annotations

from extractor_schemas import ExtractionFailure, ExtractionResult
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class ServiceMetrics:
    """Counters in a registry of their own, so several apps (tests) never share them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "extractor_http_requests",
            "HTTP requests answered, by route, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "extractor_http_request_duration_seconds",
            "time to answer an HTTP request, by route",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "extractor_http_requests_in_flight",
            "HTTP requests being answered",
            registry=self.registry,
        )
        self.extractions = Counter(
            "extractor_extractions",
            "articles extracted, by outcome: result or the failure's error class",
            ["outcome"],
            registry=self.registry,
        )
        self.tokens = Counter(
            "extractor_tokens",
            "LLM tokens used, re-asks included, by kind: prompt or completion",
            ["kind"],
            registry=self.registry,
        )
        self.backend_requests = Counter(
            "extractor_backend_requests",
            "HTTP requests sent to the LLM endpoint, transport retries included",
            registry=self.registry,
        )
        self.transport_retries = Counter(
            "extractor_transport_retries",
            "LLM requests repeated after 429, 5xx, timeouts or lost connections",
            registry=self.registry,
        )
        self.reasks = Counter(
            "extractor_reasks",
            "answers re-asked because they failed the schema or the grounding checks",
            registry=self.registry,
        )

    def observe_http(self, route: str, method: str, status: int, seconds: float) -> None:
        self.http_requests.labels(route, method, str(status)).inc()
        self.http_latency.labels(route).observe(seconds)

    def observe_extraction(self, record: ExtractionResult | ExtractionFailure) -> None:
        """Count one article's outcome and what it cost."""
        outcome = "result" if isinstance(record, ExtractionResult) else record.error_class
        self.extractions.labels(outcome).inc()
        self.tokens.labels("prompt").inc(record.usage.prompt_tokens)
        self.tokens.labels("completion").inc(record.usage.completion_tokens)
        retries, reasks = retries_and_reasks(record)
        self.backend_requests.inc(record.requests)
        self.transport_retries.inc(retries)
        self.reasks.inc(reasks)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def retries_and_reasks(record: ExtractionResult | ExtractionFailure) -> tuple[int, int]:
    """Transport retries and re-asks, from the record's answers and requests.

    Each round asks for one answer and ends with it, except a last round that
    failed at the transport (or was refused): it sent requests but got no answer.
    """
    unanswered = (
        isinstance(record, ExtractionFailure)
        and record.error_class != "validation_error"
        and record.requests > record.attempts
    )
    rounds = record.attempts + int(unanswered)
    return max(record.requests - rounds, 0), max(rounds - 1, 0)
