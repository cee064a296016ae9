"""What a batch did: counts, tokens, cost, latency percentiles; bounded memory."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from extractor_schemas import ExtractionFailure, ExtractionResult, Record, Usage
from rich.console import Console
from rich.table import Table

from .prices import PriceTable

_BUCKETS_PER_DOUBLING = 70  # about 1% wide


class LatencyHistogram:
    """Latencies in log-spaced buckets (~1% wide): percentiles without keeping every value."""

    def __init__(self) -> None:
        self._counts: Counter[int] = Counter()
        self.count = 0

    def add(self, seconds: float) -> None:
        bucket = math.floor(math.log2(max(seconds, 1e-6)) * _BUCKETS_PER_DOUBLING)
        self._counts[bucket] += 1
        self.count += 1

    def percentile(self, q: float) -> float | None:
        """The latency below which a fraction `q` of the values lie (bucket midpoint)."""
        if not self.count:
            return None
        rank = max(math.ceil(q * self.count), 1)
        seen = 0
        for bucket in sorted(self._counts):
            seen += self._counts[bucket]
            if seen >= rank:
                return float(2 ** ((bucket + 0.5) / _BUCKETS_PER_DOUBLING))
        raise AssertionError("rank beyond the count")


@dataclass
class BatchSummary:
    """Counts are of this run; `resumed_*` are what the output already held."""

    model: str = ""
    inputs: int = 0
    results: int = 0
    failures: int = 0
    input_failures: int = 0
    cache_hits: int = 0
    skipped_done: int = 0
    skipped_failed: int = 0
    duplicates: int = 0
    requests: int = 0
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    elapsed_s: float = 0.0  # the run, without starting or checking the backend
    cpu_s: float = 0.0  # likewise
    backend_open_s: float = 0.0  # starting (embedded) or checking (endpoint) the backend
    cost_usd: float | None = None
    batch_api: bool = False
    error_classes: Counter[str] = field(default_factory=Counter)
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)

    def count(self, record: Record, *, live: bool) -> None:
        """Add one written record; `live` when it came from the model in this run."""
        if isinstance(record, ExtractionResult):
            self.results += 1
        else:
            self.failures += 1
            self.error_classes[record.error_class] += 1
        if not live:
            return
        self.requests += record.requests
        self.attempts += record.attempts
        usage = record.usage
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        self.total_tokens += usage.total_tokens
        if isinstance(record, ExtractionResult) or (
            isinstance(record, ExtractionFailure) and record.requests
        ):
            self.latency.add(record.latency_s)

    @property
    def usage(self) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            total_tokens=self.total_tokens,
        )

    def price(self, table: PriceTable) -> None:
        self.cost_usd = table.cost(self.model, self.usage, batch_api=self.batch_api)

    @property
    def written(self) -> int:
        return self.results + self.failures

    @property
    def rate(self) -> float:
        """Records written per second of wall time."""
        return self.written / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def llm_calls(self) -> int:
        return self.written - self.cache_hits - self.input_failures

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "inputs": self.inputs,
            "written": self.written,
            "results": self.results,
            "failures": self.failures,
            "input_failures": self.input_failures,
            "error_classes": dict(self.error_classes),
            "cache_hits": self.cache_hits,
            "skipped_done": self.skipped_done,
            "skipped_failed": self.skipped_failed,
            "duplicates": self.duplicates,
            "requests": self.requests,
            "attempts": self.attempts,
            "usage": self.usage.model_dump(),
            "cost_usd": self.cost_usd,
            "batch_api": self.batch_api,
            "elapsed_s": round(self.elapsed_s, 3),
            "cpu_s": round(self.cpu_s, 3),
            "backend_open_s": round(self.backend_open_s, 3),
            "articles_per_s": round(self.rate, 2),
            "latency_p50_s": _round(self.latency.percentile(0.5)),
            "latency_p95_s": _round(self.latency.percentile(0.95)),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def print_summary(summary: BatchSummary, console: Console, table: PriceTable) -> None:
    """The end-of-batch summary as a small table on `console`."""
    data = summary.as_dict()
    grid = Table(title="batch summary", show_header=False, title_justify="left")
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row(
        "written", f"{summary.written} ({summary.results} results, {summary.failures} failures)"
    )
    if summary.error_classes:
        classes = ", ".join(f"{k} {v}" for k, v in summary.error_classes.most_common())
        grid.add_row("failures by class", classes)
    skipped = summary.skipped_done + summary.skipped_failed + summary.duplicates
    if skipped:
        parts = [f"{summary.skipped_done} already done"]
        if summary.skipped_failed:
            parts.append(f"{summary.skipped_failed} earlier failures (--retry-failed retries them)")
        parts.append(f"{summary.duplicates} repeated ids")
        grid.add_row("skipped", ", ".join(parts))
    grid.add_row("cache hits", str(summary.cache_hits))
    grid.add_row("requests", f"{summary.requests} ({summary.attempts} answers)")
    usage = summary.usage
    grid.add_row(
        "tokens",
        f"{usage.total_tokens:,} ({usage.prompt_tokens:,} prompt + "
        f"{usage.completion_tokens:,} completion)",
    )
    if summary.cost_usd is None:
        cost = f"n/a (no price for {summary.model!r} in {table.source})"
    else:
        cost = f"${summary.cost_usd:,.4f} (prices as of {table.as_of}"
        cost += ", Batch API discount)" if summary.batch_api else ")"
    grid.add_row("estimated cost", cost)
    p50, p95 = data["latency_p50_s"], data["latency_p95_s"]
    if p50 is not None:
        grid.add_row("latency", f"p50 {p50:.3f} s, p95 {p95:.3f} s")
    grid.add_row(
        "time",
        f"{summary.elapsed_s:.1f} s, {summary.rate:.1f} articles/s, "
        f"client CPU {summary.cpu_s:.1f} s (+{summary.backend_open_s:.1f} s opening the backend)",
    )
    console.print(grid)
