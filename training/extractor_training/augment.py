"""Consistent augmentation: variants of a labeled article with names, places, numbers,
currencies and dates swapped in the text and the gold file together, then re-checked.

A variant that fails any check is redrawn (a few times) or dropped, never written.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from extractor_schemas import GoldAnswer, check_partial_date
from pydantic import ValidationError

from .checks import check_variant, parse
from .examples import Example, Variant, render_gold
from .names import plan_names
from .numbers import Mention, NumberReader, decimal_of, gold_values, matching, plain_number
from .rewrite import OffsetMap, Plan, Rejected, Rewriter, apply_edits
from .vocab import Vocabulary, load_vocabulary

FACTORS = tuple(Decimal(f) for f in ("1.5", "2", "2.5", "3", "0.5", "1.2", "4", "0.8"))
YEAR_SHIFTS = (-3, -2, -1, 1, 2, 3)
ATTEMPTS = 6
CURRENCY_SWAP_CHANCE = 0.75
VARIANT_MARK = "__a"  # variant ids are <source id>__a<k>
_TEXT_FIELDS = (
    "location",
    "agreement_kind",
    "subject",
    "facility",
    "unit",
    "project",
    "investor",
    "target",
)


def shift_date(value: str | None, years: int) -> str | None:
    """Move a partial date (`2024`, `2024-Q3`, `2024-03-12`) by whole years."""
    if value is None:
        return None
    shifted = f"{int(value[:4]) + years}{value[4:]}"
    check_partial_date(shifted)  # 2024-02-29 has no 2025 twin
    return shifted


class Augmenter:
    """Makes the variants of labeled examples, deterministically from a seed."""

    def __init__(self, seed: int, vocab: Vocabulary | None = None) -> None:
        self.seed = seed
        self.vocab = vocab or load_vocabulary()

    def variants(self, example: Example, count: int) -> tuple[list[Variant], list[str]]:
        """Up to `count` variants, and why any draw was rejected."""
        made: list[Variant] = []
        rejections: list[str] = []
        texts = {example.text}
        for number in range(1, count + 1):
            for attempt in range(ATTEMPTS):
                rng = random.Random(f"{self.seed}/{example.id}/{number}/{attempt}")
                try:
                    variant = self._variant(example, f"{example.id}{VARIANT_MARK}{number}", rng)
                except Rejected as exc:
                    rejections.append(f"{example.id} variant {number}.{attempt}: {exc}")
                    continue
                if variant.text in texts:
                    rejections.append(f"{example.id} variant {number}.{attempt}: repeats a text")
                    continue
                texts.add(variant.text)
                made.append(variant)
                break
        return made, rejections

    def _variant(self, example: Example, variant_id: str, rng: random.Random) -> Variant:
        text, gold = example.text, example.gold
        article = parse(text, example.id)
        events = [e.model_dump(mode="python", exclude={"evidence_span"}) for e in gold.events]
        units = [e["unit"].split()[0] for e in events if e.get("unit")]
        reader = NumberReader(self.vocab, units)
        values = gold_values(events)
        mentions = reader.mentions(text, values)
        try:
            names = plan_names(gold, text, self.vocab, rng)
        except ValueError as exc:
            raise Rejected(str(exc)) from None
        plan = Plan(names=names.replacements, resolved=_resolve_marks(events, mentions))
        rewriter = Rewriter(plan, reader, self.vocab, values)
        self._plan_currencies(plan, rewriter, events, mentions, rng)
        plan.years = self._plan_years(gold, events, rng)
        factors = list(FACTORS) if _scalable(events, mentions) else [Decimal(1)]
        rng.shuffle(factors)
        for factor in factors:
            plan.factor = factor
            try:
                edits = rewriter.edits(text)
                new_text, offsets = apply_edits(text, edits)
                new_events = [
                    self._event(e, rewriter, text, article.body_start, new_text, offsets)
                    for e in events
                ]
                break
            except Rejected as exc:
                last = exc
        else:
            raise last
        published = shift_date(gold.published.isoformat(), plan.years) if gold.published else None
        try:
            new_gold = GoldAnswer.model_validate(
                {"article_id": variant_id, "published": published, "events": new_events}
            )
        except ValidationError as exc:
            raise Rejected(f"gold invalid: {exc.errors()[0]['msg']}") from None
        variant = Variant(
            id=variant_id,
            text=new_text,
            gold=new_gold,
            gold_text=render_gold(new_gold),
            source_id=example.id,
            substitutions={
                "names": names.replacements,
                "number_factor": str(plan.factor),
                "currencies": plan.currencies,
                "years": plan.years,
            },
        )
        check_variant(example, variant, names.kinds, reader, self.vocab, units)
        return variant

    def _plan_currencies(
        self,
        plan: Plan,
        rewriter: Rewriter,
        events: list[dict[str, Any]],
        mentions: list[Mention],
        rng: random.Random,
    ) -> None:
        money = [m for m in mentions if m.kind == "money"]
        present = {rewriter.currency_of(m) for m in money}
        gold_codes = sorted({e["value"]["currency"] for e in events if e.get("value")})
        for code in gold_codes:
            stated = all(
                matching(mentions, decimal_of(e["value"]["amount"]), code)
                for e in events
                if e.get("value") and e["value"]["currency"] == code
            )
            in_lakh = any(
                m.scale in ("crore", "lakh") for m in money if rewriter.currency_of(m) == code
            )
            if not stated or in_lakh or rng.random() > CURRENCY_SWAP_CHANCE:
                continue
            options = [
                c.code
                for c in self.vocab.swap_currencies
                if c.code not in present and c.code not in plan.currencies.values()
            ]
            plan.currencies[code] = rng.choice(options)

    def _plan_years(
        self, gold: GoldAnswer, events: list[dict[str, Any]], rng: random.Random
    ) -> int:
        shifts = list(YEAR_SHIFTS)
        rng.shuffle(shifts)
        dates = [e["date"] for e in events] + [
            gold.published.isoformat() if gold.published else None
        ]
        for years in shifts:
            try:
                for value in dates:
                    shift_date(value, years)
            except ValueError:
                continue
            return years
        raise Rejected("no year shift keeps every date valid")

    def _event(
        self,
        event: dict[str, Any],
        rewriter: Rewriter,
        text: str,
        body_start: int,
        new_text: str,
        offsets: OffsetMap,
    ) -> dict[str, Any]:
        plan = rewriter.plan
        new = dict(event)
        evidence = event["evidence"]
        if evidence is not None:
            start = text.find(evidence, body_start)
            start = text.find(evidence) if start < 0 else start
            if start < 0:
                raise Rejected(f"evidence not in the article: {evidence[:60]!r}")
            new["evidence"] = new_text[offsets(start) : offsets(start + len(evidence))]
        try:
            new["date"] = shift_date(event["date"], plan.years)
        except ValueError as exc:
            raise Rejected(str(exc)) from None
        for key in _TEXT_FIELDS:
            if event.get(key) is not None:
                new[key] = rewriter.apply(event[key])
        for key in ("topics", "areas"):
            if key in event:
                new[key] = [rewriter.apply(item) for item in event[key]]
        new["participants"] = [
            {
                k: (rewriter.apply(v) if isinstance(v, str) and k != "kind" else v)
                for k, v in p.items()
            }
            for p in event["participants"]
        ]
        for key in ("from_value", "to_value"):
            if event.get(key) is not None:
                new[key] = plain_number(decimal_of(event[key]) * plan.factor)
        if event.get("value") is not None:
            code = event["value"]["currency"]
            new["value"] = {
                "amount": plain_number(decimal_of(event["value"]["amount"]) * plan.factor),
                "currency": plan.currencies.get(code, code),
            }
        return new


def _resolve_marks(events: list[dict[str, Any]], mentions: list[Mention]) -> dict[str, str]:
    """Read an ambiguous mark ("$", "pesos") as the currency the gold gives its amount."""
    resolved: dict[str, str] = {}
    for event in events:
        if event.get("value"):
            code = event["value"]["currency"]
            for mention in matching(mentions, decimal_of(event["value"]["amount"]), code):
                for mark in (mention.prefix, mention.suffix):
                    if mark is not None:
                        resolved.setdefault(mark[2], code)
    return resolved


def _scalable(events: list[dict[str, Any]], mentions: list[Mention]) -> bool:
    """Numbers may be scaled only if every gold number is stated in the text as one."""
    for event in events:
        if event.get("value") and not matching(
            mentions, decimal_of(event["value"]["amount"]), event["value"]["currency"]
        ):
            return False
        for key in ("from_value", "to_value"):
            if event.get(key) is None:
                continue
            value = decimal_of(event[key])
            found = matching(mentions, value)
            if not any(m.kind in ("money", "quantity") for m in found):
                return False
            if any(m.kind not in ("money", "quantity") and m.value == value for m in found):
                return False
    return True
