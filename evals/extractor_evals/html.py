"""The report as one self-contained HTML page (inline CSS and SVG, nothing fetched).

Figures and a per-type F1 chart on top; then every article, worst first, with its
evidence highlighted in the text and its predicted and gold events side by side.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from extractor_schemas import Article
from jinja2 import Environment, PackageLoader, StrictUndefined

from extractor.checks.grounding import ArticleIndex

from .chart import tone, type_chart
from .dataset import Dataset
from .highlight import Mark, Run, runs
from .metrics import Counts
from .report import ArticleScore, Report

TEMPLATE = "report.html.jinja"
_NOT_SLOTS = ("type", "evidence", "evidence_span")
_SET_SLOTS = ("participants", "topics", "areas")


@dataclass(frozen=True)
class SlotRow:
    name: str
    predicted: str | None
    gold: str | None
    counts: Counts | None  # None: the slot is not scored (neither side fills it)

    @property
    def mark(self) -> str:
        """E.g. `TP`, `FP FN` (a wrong value), `2 TP FN`; empty when not scored."""
        if self.counts is None:
            return ""
        c = self.counts
        pairs = ((c.tp, "TP"), (c.fp, "FP"), (c.fn, "FN"))
        return " ".join(f"{n} {label}" if n > 1 else label for n, label in pairs if n)

    @property
    def tone(self) -> str:
        """ok (all true positives), bad (none), partial, or empty when not scored."""
        c = self.counts
        if c is None or c.tp + c.fp + c.fn == 0:
            return ""
        return "ok" if c.fp + c.fn == 0 else "bad" if c.tp == 0 else "partial"


@dataclass(frozen=True)
class Side:
    """One event of a row: its label (P1, G2), evidence and whether the text holds it."""

    label: str
    evidence: str | None
    located: bool


@dataclass(frozen=True)
class EventRow:
    kind: Literal["pair", "fp", "fn"]
    event_type: str
    predicted: Side | None
    gold: Side | None
    slots: list[SlotRow]
    counts: Counts


@dataclass(frozen=True)
class ArticleView:
    anchor: str
    score: ArticleScore
    tone: str
    in_dataset: bool
    published: str | None
    runs: list[Run]
    events: list[EventRow]


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("extractor_evals", "templates"),
        autoescape=True,  # the template is .jinja, so select_autoescape would not switch it on
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: Report, dataset: Dataset) -> str:
    """The whole page; article texts come from `dataset`, everything else from `report`."""
    texts = {item.article.id: item.article for item in dataset.items}
    ordered = sorted(report.articles, key=_badness)
    anchors = _anchors([a.article_id for a in ordered])
    articles = [
        _article_view(score, texts.get(score.article_id), anchor)
        for score, anchor in zip(ordered, anchors, strict=True)
    ]
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            report=report,
            summary=report.summary,
            subsets=report.subsets,
            chart=type_chart(report.summary.per_type),
            articles=articles,
            seconds=_seconds,
            tone=tone,
        )
    )


def _badness(score: ArticleScore) -> tuple[bool, float, float, str]:
    """Sort key: failed articles first, then by event F1, then slot F1, ascending."""
    return (score.outcome == "result", score.events.f1, score.slots.f1, score.article_id)


def _anchors(ids: Sequence[str]) -> list[str]:
    """HTML ids for the articles: the article id itself unless it has spaces or repeats."""
    seen: set[str] = set()
    anchors = []
    for article_id in ids:
        anchor = re.sub(r"\s+", "-", article_id) or "article"
        while anchor in seen:
            anchor += "-"
        seen.add(anchor)
        anchors.append(anchor)
    return anchors


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


def _article_view(score: ArticleScore, article: Article | None, anchor: str) -> ArticleView:
    text = article.text if article else ""
    index = ArticleIndex(text, article.body_start if article else 0)
    predicted = [_predicted_span(event, index) for event in score.predicted]
    gold = [_locate(event.get("evidence"), index) for event in score.gold]
    marks = [
        Mark(span[0], span[1], "pred", f"P{i + 1}") for i, span in enumerate(predicted) if span
    ] + [Mark(span[0], span[1], "gold", f"G{j + 1}") for j, span in enumerate(gold) if span]

    def side(kind: Literal["P", "G"], i: int) -> Side:
        events, spans = (score.predicted, predicted) if kind == "P" else (score.gold, gold)
        return Side(f"{kind}{i + 1}", events[i].get("evidence"), spans[i] is not None)

    rows: list[tuple[int, EventRow]] = []
    for pair in score.pairs:
        event = score.gold[pair.gold]
        slots = _slot_rows(score.predicted[pair.predicted], event, pair.slots)
        rows.append(
            (pair.gold, _row("pair", event, side("P", pair.predicted), side("G", pair.gold), slots))
        )
    for j in score.unpaired_gold:
        event = score.gold[j]
        slots = _slot_rows(None, event, _lone(event, "fn"))
        rows.append((j, _row("fn", event, None, side("G", j), slots)))
    for i in score.unpaired_predicted:
        event = score.predicted[i]
        slots = _slot_rows(event, None, _lone(event, "fp"))
        rows.append((len(score.gold) + i, _row("fp", event, side("P", i), None, slots)))
    # Rows with an error first, each group in the order of the gold (then predicted) events.
    rows.sort(key=lambda item: (_correct(item[1]), item[0]))
    return ArticleView(
        anchor=anchor,
        score=score,
        tone=tone(score.events.f1) if score.outcome == "result" else "poor",
        in_dataset=article is not None,
        published=article.published.isoformat() if article and article.published else None,
        runs=runs(text, marks),
        events=[row for _, row in rows],
    )


def _row(
    kind: Literal["pair", "fp", "fn"],
    event: Mapping[str, Any],
    predicted: Side | None,
    gold: Side | None,
    slots: list[SlotRow],
) -> EventRow:
    counts = sum((slot.counts for slot in slots if slot.counts), Counts())
    return EventRow(kind, str(event.get("type", "?")), predicted, gold, slots, counts)


def _correct(row: EventRow) -> bool:
    return row.kind == "pair" and row.counts.fp + row.counts.fn == 0


def _predicted_span(event: Mapping[str, Any], index: ArticleIndex) -> tuple[int, int] | None:
    """The extractor's own offsets when they fit the text, else the evidence located anew."""
    span = event.get("evidence_span")
    if isinstance(span, Mapping):
        start, end = span.get("start"), span.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(index.text):
            return start, end
    return _locate(event.get("evidence"), index)


def _locate(evidence: object, index: ArticleIndex) -> tuple[int, int] | None:
    if not isinstance(evidence, str) or not evidence or not index.text:
        return None
    span = index.locate(evidence)
    return (span.start, span.end) if span else None


def _lone(event: Mapping[str, Any], side: Literal["fp", "fn"]) -> dict[str, Counts]:
    """Slot counts of an unpaired event: every filled slot is a false positive or a miss."""
    counts = {}
    for name, value in event.items():
        if name in _NOT_SLOTS or value is None or value == []:
            continue
        n = len(value) if name in _SET_SLOTS and isinstance(value, list) else 1
        counts[name] = Counts(fp=n) if side == "fp" else Counts(fn=n)
    return counts


def _slot_rows(
    predicted: Mapping[str, Any] | None,
    gold: Mapping[str, Any] | None,
    slots: Mapping[str, Counts],
) -> list[SlotRow]:
    """Every slot either side fills, in the schema's field order, with its match mark."""
    names = list(predicted or {}) + [k for k in gold or {} if k not in (predicted or {})]
    rows = []
    for name in names:
        if name in _NOT_SLOTS:
            continue
        p = _show((predicted or {}).get(name))
        g = _show((gold or {}).get(name))
        counts = slots.get(name)
        if p is None and g is None and counts is None:
            continue
        rows.append(SlotRow(name, p, g, counts))
    return rows


def _show(value: Any) -> str | None:
    """A slot value as text: participants one per line, money with its currency."""
    if value is None or value == []:
        return None
    if isinstance(value, list):
        return "\n".join(_show_item(item) for item in value)
    return _show_item(value)


def _show_item(value: Any) -> str:
    if isinstance(value, Mapping):
        if "amount" in value and "currency" in value:
            return f"{_number(value['amount'])} {value['currency']}"
        if "name" in value:
            extra = [str(value[k]) for k in ("kind", "title", "affiliation") if value.get(k)]
            return f"{value['name']} ({', '.join(extra)})" if extra else str(value["name"])
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, float | int) and not isinstance(value, bool):
        return _number(value)
    return str(value)


def _number(value: float | int) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,}"
    return f"{int(value):,}"
