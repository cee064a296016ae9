"""Score predictions against gold exactly as events-v1 says."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from extractor_schemas import EVENT_TYPES, ExtractionFailure, ExtractionResult, Usage

from extractor.checks.grounding import ArticleIndex

from .dataset import Dataset, LabeledArticle
from .metrics import Counts
from .names import NameMatcher
from .pairing import pair_events
from .predictions import InvalidPrediction, Prediction
from .report import ArticleScore, Grounding, PairView, Report, Summary, TypeScore
from .report import Settings as ScoringSettings
from .slots import NUMBER_TOLERANCE, slot_total

GROUNDING_THRESHOLD = 85.0


def score_events(
    predicted: Sequence[Any], gold: Sequence[Any], matcher: NameMatcher
) -> tuple[dict[str, TypeScore], list[PairView], list[int], list[int]]:
    """Per-type event and slot counts of one article, with its pairs."""
    per_type = {event_type: TypeScore() for event_type in EVENT_TYPES}
    pairs = pair_events(predicted, gold, matcher)
    for pair in pairs:
        score = per_type[gold[pair.gold].type]
        score.events += Counts(tp=1)
        score.slots += pair.slot_counts
    paired_p = {pair.predicted for pair in pairs}
    paired_g = {pair.gold for pair in pairs}
    lone_p = [i for i in range(len(predicted)) if i not in paired_p]
    lone_g = [j for j in range(len(gold)) if j not in paired_g]
    for i in lone_p:
        score = per_type[predicted[i].type]
        score.events += Counts(fp=1)
        score.slots += Counts(fp=slot_total(predicted[i], matcher))
    for j in lone_g:
        score = per_type[gold[j].type]
        score.events += Counts(fn=1)
        score.slots += Counts(fn=slot_total(gold[j], matcher))
    views = [PairView(predicted=p.predicted, gold=p.gold, slots=p.slots) for p in pairs]
    return per_type, views, lone_p, lone_g


def grounding(events: Sequence[Any], index: ArticleIndex) -> Grounding:
    """Evidence spans and participant names of the predictions that the article contains."""
    found = checked = 0
    for event in events:
        checked += 1 + len(event.participants)
        found += index.locate(event.evidence) is not None
        found += sum(index.has_name(p.name) for p in event.participants)
    return Grounding(found=found, checked=checked)


def score_article(
    item: LabeledArticle, prediction: Prediction | None, matcher: NameMatcher
) -> ArticleScore:
    article, gold = item.article, item.gold.events
    predicted: list[Any] = []
    extra: dict[str, Any] = {}
    if prediction is None:
        outcome, error = "missing", "no prediction for this article"
    elif isinstance(prediction, InvalidPrediction):
        outcome, error = "invalid", prediction.message
    elif isinstance(prediction, ExtractionFailure):
        outcome, error = "failure", f"{prediction.error_class}: {prediction.message}"
        extra = {"usage": prediction.usage, "latency_s": prediction.latency_s}
        extra["attempts"] = prediction.attempts
    else:
        outcome, error = "result", None
        predicted = list(prediction.events)
        extra = {"usage": prediction.usage, "latency_s": prediction.latency_s}
        extra["attempts"] = prediction.attempts
    per_type, pairs, lone_p, lone_g = score_events(predicted, gold, matcher)
    index = ArticleIndex(article.text, article.body_start, GROUNDING_THRESHOLD)
    return ArticleScore(
        article_id=article.id,
        outcome=outcome,
        error=error,
        events=sum((t.events for t in per_type.values()), Counts()),
        slots=sum((t.slots for t in per_type.values()), Counts()),
        per_type={k: v for k, v in per_type.items() if v.events.tp + v.events.fp + v.events.fn},
        grounding=grounding(predicted, index),
        pairs=pairs,
        unpaired_predicted=lone_p,
        unpaired_gold=lone_g,
        predicted=[e.model_dump(mode="json") for e in predicted],
        gold=[e.model_dump(mode="json", exclude_none=False) for e in gold],
        **extra,
    )


def summarize(articles: Sequence[ArticleScore]) -> Summary:
    per_type = {event_type: TypeScore() for event_type in EVENT_TYPES}
    for article in articles:
        for event_type, score in article.per_type.items():
            per_type[event_type].events += score.events
            per_type[event_type].slots += score.slots
    outcomes = {kind: 0 for kind in ("result", "failure", "invalid", "missing")}
    for article in articles:
        outcomes[article.outcome] += 1
    measured = [a for a in articles if a.outcome in ("result", "failure")]
    latencies = sorted(a.latency_s for a in measured if a.latency_s)
    usage = sum((a.usage for a in articles), Usage())
    paired_slots = paired_slot_counts(articles)
    return Summary(
        articles=len(articles),
        outcomes=outcomes,
        events=sum((a.events for a in articles), Counts()),
        slots=sum((a.slots for a in articles), Counts()),
        per_type=per_type,
        grounding_rate=sum((a.grounding for a in articles), Grounding()).rate,
        schema_valid_rate=outcomes["result"] / len(articles) if articles else 1.0,
        usage=usage,
        tokens_per_article=usage.total_tokens / len(measured) if measured else 0.0,
        latency_p50_s=_quantile(latencies, 0.50),
        latency_p95_s=_quantile(latencies, 0.95),
        latency_mean_s=round(statistics.fmean(latencies), 3) if latencies else None,
        attempts_mean=statistics.fmean(a.attempts for a in measured) if measured else None,
        paired_slots=paired_slots,
        error_kinds=error_kinds(articles),
    )


def paired_slot_counts(articles: Sequence[ArticleScore]) -> dict[str, Counts]:
    """Each slot's counts over all paired events: where paired events go wrong."""
    totals: dict[str, Counts] = {}
    for article in articles:
        for pair in article.pairs:
            for name, counts in pair.slots.items():
                totals[name] = totals.get(name, Counts()) + counts
    return dict(sorted(totals.items()))


def error_kinds(articles: Sequence[ArticleScore]) -> dict[str, int]:
    """How often each kind of error happened, most frequent first.

    - `missed event`: a gold event no prediction pairs with;
    - `extra event`: a prediction no gold event pairs with;
    - `wrong type`: an extra event whose evidence overlaps a missed event of another type;
    - `wrong <slot>`: a paired event whose slot is wrong or missing (date, status, ...).
    """
    kinds: dict[str, int] = {}

    def add(kind: str) -> None:
        kinds[kind] = kinds.get(kind, 0) + 1

    for article in articles:
        for pair in article.pairs:
            for name, counts in pair.slots.items():
                if counts.fp or counts.fn:
                    add(f"wrong {name}")
        missed = [article.gold[j] for j in article.unpaired_gold]
        for i in article.unpaired_predicted:
            add("extra event")
            extra = article.predicted[i]
            if any(
                other["type"] != extra["type"]
                and _overlap(other.get("evidence"), extra["evidence"])
                for other in missed
            ):
                add("wrong type")
        for _ in missed:
            add("missed event")
    return dict(sorted(kinds.items(), key=lambda item: (-item[1], item[0])))


def _overlap(gold_evidence: str | None, predicted_evidence: str) -> bool:
    """Two evidence spans tell the same thing: one contains the other."""
    if not gold_evidence:
        return False
    return gold_evidence in predicted_evidence or predicted_evidence in gold_evidence


def _quantile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return round(statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1], 3)


def score_dataset(
    dataset: Dataset,
    predictions: Mapping[str, Prediction],
    matcher: NameMatcher,
    *,
    predictions_source: str,
) -> Report:
    articles = [
        score_article(item, predictions.get(item.article.id), matcher).model_copy(
            update={"subset": item.subset}
        )
        for item in dataset.items
    ]
    names = dataset.subsets
    subsets = (
        {name: summarize([a for a in articles if a.subset == name]) for name in names}
        if len(names) > 1
        else {}
    )
    results = [p for p in predictions.values() if isinstance(p, ExtractionResult)]
    return Report(
        data=str(dataset.root),
        predictions=predictions_source,
        models=sorted({r.model for r in results}),
        prompt_versions=sorted({r.prompt_version for r in results}),
        scoring=ScoringSettings(
            name_threshold=matcher.name_threshold,
            text_threshold=matcher.text_threshold,
            number_tolerance=NUMBER_TOLERANCE,
            grounding_threshold=GROUNDING_THRESHOLD,
            alias_groups=matcher.alias_group_count,
        ),
        summary=summarize(articles),
        subsets=subsets,
        articles=articles,
    )
