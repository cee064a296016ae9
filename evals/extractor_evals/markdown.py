"""The report as Markdown: the figures a pull request or a README quotes."""

from __future__ import annotations

from extractor_schemas import EVENT_TYPES

from .metrics import Counts
from .report import Report


def _prf(counts: Counts) -> str:
    return (
        f"{counts.precision:.3f} | {counts.recall:.3f} | {counts.f1:.3f} | "
        f"{counts.tp} | {counts.fp} | {counts.fn}"
    )


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


def _subset_lines(report: Report) -> list[str]:
    """Each subset's figures, when the data has several: no subset speaks for the rest."""
    if not report.subsets:
        return []
    lines = [
        "## Per subset",
        "",
        "| subset | articles | event P | event R | event F1 | slot P | slot R | slot F1 | "
        "p50 latency |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, summary in report.subsets.items():
        e, sl = summary.events, summary.slots
        lines.append(
            f"| {name} | {summary.articles} | {e.precision:.3f} | {e.recall:.3f} | {e.f1:.3f} | "
            f"{sl.precision:.3f} | {sl.recall:.3f} | {sl.f1:.3f} | "
            f"{_seconds(summary.latency_p50_s)} |"
        )
    return [*lines, ""]


def _error_lines(report: Report) -> list[str]:
    """Where paired events go wrong, slot by slot, and the most frequent kinds of error."""
    s = report.summary
    if not s.paired_slots and not s.error_kinds:
        return []
    lines = [
        "## Inside paired events, per slot",
        "",
        "| slot | precision | recall | F1 | TP | FP | FN |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {name} | {_prf(counts)} |" for name, counts in s.paired_slots.items()]
    lines += ["", "## Most frequent errors", "", "| error | count |", "|---|---|"]
    lines += [f"| {kind} | {count} |" for kind, count in list(s.error_kinds.items())[:12]]
    return [*lines, ""]


def render_markdown(report: Report) -> str:
    s = report.summary
    lines = [
        "# Extraction eval",
        "",
        f"- data: `{report.data}` ({s.articles} articles)",
        f"- predictions: {report.predictions}",
        f"- model: {', '.join(report.models) or 'n/a'}",
        f"- prompt version: {', '.join(report.prompt_versions) or 'n/a'}",
        "- outcomes: " + ", ".join(f"{k} {v}" for k, v in s.outcomes.items()),
        "",
        "| metric | precision | recall | F1 | TP | FP | FN |",
        "|---|---|---|---|---|---|---|",
        f"| events | {_prf(s.events)} |",
        f"| slots | {_prf(s.slots)} |",
        "",
        *_subset_lines(report),
        "| figure | value |",
        "|---|---|",
        f"| grounding rate | {s.grounding_rate:.3f} |",
        f"| schema-valid rate | {s.schema_valid_rate:.3f} |",
        f"| tokens (prompt + completion) | {s.usage.prompt_tokens:,} + "
        f"{s.usage.completion_tokens:,} |",
        f"| tokens per article | {s.tokens_per_article:,.0f} |",
        f"| latency p50 / p95 / mean | {_seconds(s.latency_p50_s)} / "
        f"{_seconds(s.latency_p95_s)} / {_seconds(s.latency_mean_s)} |",
        f"| answers per article (re-asks included) | "
        f"{'n/a' if s.attempts_mean is None else f'{s.attempts_mean:.2f}'} |",
        "",
        "## Per type",
        "",
        "| type | event P | event R | event F1 | TP | FP | FN | slot F1 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for event_type in EVENT_TYPES:
        score = s.per_type[event_type]
        lines.append(f"| {event_type} | {_prf(score.events)} | {score.slots.f1:.3f} |")
    lines += ["", *_error_lines(report)]
    lines += [
        "## Per article",
        "",
        "| article | outcome | event F1 | TP | FP | FN | slot F1 | grounding |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for a in report.articles:
        e = a.events
        lines.append(
            f"| {a.article_id} | {a.outcome} | {e.f1:.3f} | {e.tp} | {e.fp} | {e.fn} | "
            f"{a.slots.f1:.3f} | {a.grounding.found}/{a.grounding.checked} |"
        )
    scoring = report.scoring
    lines += [
        "",
        f"Scoring: {scoring.spec}; names match at rapidfuzz ratio ≥ {scoring.name_threshold:g} "
        f"or through {scoring.alias_groups} alias groups; free text at token-sort ratio ≥ "
        f"{scoring.text_threshold:g}; numbers within {scoring.number_tolerance:.0%}; grounding "
        f"finds names at partial ratio ≥ {scoring.grounding_threshold:g}.",
        "",
    ]
    return "\n".join(lines)
