"""`--fail-under` bars and `--baseline` deltas over the report's named metrics."""

from __future__ import annotations

from .report import Report


class GateError(ValueError):
    """A `--fail-under` value that cannot be read; the message says why."""


def parse_bars(text: str, known: list[str]) -> dict[str, float]:
    """ "event_f1=0.6,slot_f1=0.5" -> {"event_f1": 0.6, "slot_f1": 0.5}."""
    bars: dict[str, float] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep:
            raise GateError(f"{part!r}: expected METRIC=VALUE, e.g. event_f1=0.6")
        if name not in known:
            raise GateError(f"unknown metric {name!r}; known: {', '.join(known)}")
        try:
            bars[name] = float(value)
        except ValueError:
            raise GateError(f"{part!r}: {value!r} is not a number") from None
        if not 0 <= bars[name] <= 1:
            raise GateError(f"{part!r}: a bar is a fraction between 0 and 1")
    return bars


def failed_bars(report: Report, bars: dict[str, float]) -> list[str]:
    """One line per metric under its bar."""
    metrics = report.summary.metrics()
    return [
        f"{name} {metrics[name]:.3f} < {bar:.3f}"
        for name, bar in bars.items()
        if metrics[name] < bar
    ]


def deltas(report: Report, baseline: Report) -> list[tuple[str, float, float, float]]:
    """(metric, baseline, now, now - baseline) for every metric both reports have."""
    now, before = report.summary.metrics(), baseline.summary.metrics()
    return [(name, before[name], now[name], now[name] - before[name]) for name in now]
