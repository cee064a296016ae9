"""Re-check a variant against its source before it may be written."""

from __future__ import annotations

import re

from extractor_schemas import Article

from extractor import ArticleError, parse_article
from extractor.checks.grounding import ArticleIndex

from .examples import Example, Variant
from .names import NAME_KINDS, GoldStrings, similar_names
from .numbers import NumberReader, decimal_of, gold_values, matching
from .rewrite import Rejected
from .vocab import Vocabulary


def parse(text: str, article_id: str) -> Article:
    try:
        return parse_article(text, article_id)
    except ArticleError as exc:
        raise Rejected(str(exc)) from None


def check_variant(
    source: Example,
    variant: Variant,
    kinds: dict[str, str],
    reader: NumberReader,
    vocab: Vocabulary,
    units: list[str],
) -> None:
    """Re-check a variant against its source; raise `Rejected` on the first problem."""
    old_text, new_text = source.text, variant.text
    if new_text == old_text:
        raise Rejected("nothing changed")
    article = parse(new_text, variant.id)
    if article.published != variant.gold.published:
        raise Rejected("published date differs from the article's date prefix")
    old_index, new_index = ArticleIndex(old_text), ArticleIndex(new_text)
    new_values = gold_values([e.model_dump() for e in variant.gold.events])
    old_mentions = reader.mentions(
        old_text, gold_values([e.model_dump() for e in source.gold.events])
    )
    new_mentions = NumberReader(vocab, units).mentions(new_text, new_values)
    old_strings, new_strings = GoldStrings.of(source.gold), GoldStrings.of(variant.gold)
    for old, new in zip(old_strings.all, new_strings.all, strict=True):
        if old in old_text and new not in new_text:
            raise Rejected(f"{new!r} (was {old!r}) is not verbatim in the variant")
    for old_event, new_event in zip(source.gold.events, variant.gold.events, strict=True):
        if new_event.evidence is not None and new_event.evidence not in new_text:
            raise Rejected("evidence is not in the variant")
        for old_p, new_p in zip(old_event.participants, new_event.participants, strict=True):
            if old_index.has_name(old_p.name) and not new_index.has_name(new_p.name):
                raise Rejected(f"participant {new_p.name!r} is not named in the variant")
        old_data, new_data = old_event.model_dump(), new_event.model_dump()
        if old_data.get("value"):
            old_value, new_value = old_data["value"], new_data["value"]
            stated = matching(old_mentions, decimal_of(old_value["amount"]), old_value["currency"])
            restated = matching(
                new_mentions, decimal_of(new_value["amount"]), new_value["currency"]
            )
            if stated and not restated:
                raise Rejected(f"money {new_value} is not stated in the variant")
        for key in ("from_value", "to_value"):
            if old_data.get(key) is None:
                continue
            before = [
                m for m in matching(old_mentions, decimal_of(old_data[key])) if m.kind != "other"
            ]
            after = [
                m for m in matching(new_mentions, decimal_of(new_data[key])) if m.kind != "other"
            ]
            if before and not after:
                raise Rejected(f"{key} {new_data[key]} is not stated in the variant")
    marks = [
        (mark[0], mark[1])
        for m in new_mentions
        for mark in (m.prefix, m.suffix)
        if m.kind == "money" and mark is not None
    ]
    _check_leaks(kinds, variant.substitutions["names"], new_text, marks, vocab)


def _check_leaks(
    kinds: dict[str, str],
    names: dict[str, str],
    text: str,
    marks: list[tuple[int, int]],
    vocab: Vocabulary,
) -> None:
    """No old name may survive, not even misspelled; currency names ("Turkmen manat") may."""
    for old, kind in kinds.items():
        for match in re.finditer(rf"(?<!\w){re.escape(old)}(?!\w)", text):
            if not any(start <= match.start() < end for start, end in marks):
                raise Rejected(f"{kind} {old!r} is still in the variant")
    keys = [old for old, kind in kinds.items() if kind in NAME_KINDS]
    for token, key in similar_names(text, keys, vocab, set(names.values())).items():
        raise Rejected(f"{kinds[key]} {key!r} survives as {token!r}")
