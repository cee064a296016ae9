"""Geometry of the per-type event F1 bar chart, drawn as inline SVG by the HTML template."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from extractor_schemas import EVENT_TYPES

from .report import TypeScore

LABEL_WIDTH = 150
BAR_WIDTH = 230
ROW_HEIGHT = 30
BAR_HEIGHT = 18
TOP = 22  # room for the axis labels
VALUE_WIDTH = 250


@dataclass(frozen=True)
class Bar:
    event_type: str
    f1: float | None  # None: no predicted and no gold event of this type
    detail: str
    y: float
    width: float

    @property
    def value_label(self) -> str:
        return "no events" if self.f1 is None else f"{self.f1:.2f}"

    @property
    def tone(self) -> str:
        return tone(self.f1)


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # x position, label
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_width: int = BAR_WIDTH
    bar_height: int = BAR_HEIGHT
    top: int = TOP


def tone(f1: float | None) -> str:
    """A colour class for a score: good, fair, poor, or none."""
    if f1 is None:
        return "none"
    return "good" if f1 >= 0.9 else "fair" if f1 >= 0.6 else "poor"


def type_chart(per_type: Mapping[str, TypeScore]) -> Chart:
    """One bar per event type of events-v1, in the spec's order, empty types included."""
    bars = []
    for row, event_type in enumerate(EVENT_TYPES):
        counts = per_type[event_type].events if event_type in per_type else None
        seen = counts is not None and counts.tp + counts.fp + counts.fn > 0
        f1 = counts.f1 if counts is not None and seen else None
        detail = ""
        if counts is not None and seen:
            slot_f1 = per_type[event_type].slots.f1
            detail = f"TP {counts.tp} · FP {counts.fp} · FN {counts.fn} · slot F1 {slot_f1:.2f}"
        bars.append(
            Bar(
                event_type=event_type,
                f1=f1,
                detail=detail,
                y=TOP + row * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2,
                width=round(BAR_WIDTH * (f1 or 0.0), 1),
            )
        )
    ticks = [(LABEL_WIDTH + BAR_WIDTH * v, f"{v:g}") for v in (0.0, 0.25, 0.5, 0.75, 1.0)]
    return Chart(
        bars=bars,
        ticks=ticks,
        width=LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH,
        height=TOP + ROW_HEIGHT * len(EVENT_TYPES) + 4,
    )
