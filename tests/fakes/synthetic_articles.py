"""Synthetic wire-style articles for load tests, as JSON Lines `{"id","published","text"}`.

Generated from fixed word lists with a seeded random generator: the same `n` and
`seed` always give the same file. The stories are invented filler for load, not data.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

CITIES = ["ASTANA", "NAIROBI", "SANTIAGO", "HANOI", "WARSAW", "RIYADH", "LIMA", "OSLO", "DHAKA"]
COMPANIES = [
    "Kazakh Railways",
    "Andes Copper Corporation",
    "Nordic Hydrogen Partners",
    "Mekong Power Company",
    "Baltic Steel Works",
    "Sahel Solar Holdings",
    "Pacific Cement Group",
    "Orion Fertilizers",
]
PEOPLE = [
    "Aigerim Sadykova",
    "Joseph Mwangi",
    "Camila Fuentes",
    "Nguyen Van Long",
    "Marta Kowalska",
    "Faisal Al-Harbi",
    "Ingrid Solberg",
]
TITLES = ["Chief Executive", "Energy Minister", "Chairman", "Deputy Governor", "Managing Director"]
PROJECTS = [
    "Northern Wind Farm",
    "Coastal Desalination Plant",
    "Eastern Rail Corridor",
    "Green Ammonia Complex",
    "Lithium Refinery",
]
FILLER = [
    "Analysts said the decision reflected rising demand across the region.",
    "The company did not disclose the financial terms of the arrangement.",
    "Officials expect the first phase to create several hundred local jobs.",
    "The ministry said further details would be published in due course.",
    "Shares in the group were little changed in afternoon trading.",
    "The region has struggled with power shortages during the summer months.",
    "Environmental groups have called for a fuller review of the plans.",
    "The lenders include two development banks and a group of commercial banks.",
]


def synthetic_article(index: int, seed: int = 0) -> dict[str, str]:
    """One article of roughly 900-1,800 characters with a date prefix."""
    rng = random.Random(seed * 1_000_003 + index)
    published = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
    city = rng.choice(CITIES)
    first, second = rng.sample(COMPANIES, 2)
    person = rng.choice(PEOPLE)
    title = rng.choice(TITLES)
    project = rng.choice(PROJECTS)
    amount = rng.randrange(50, 900)
    lines = [
        f"{city}, {published:%B} {published.day} (Wire) - {title} {person} of {first} met "
        f"executives of {second} in {city.title()} on Tuesday to discuss joint projects.",
        f"{first} plans to start building the {project} next year at a cost of "
        f"${amount} million, {person} told reporters after the talks.",
    ]
    lines += rng.sample(FILLER, rng.randrange(3, 7))
    lines.append(
        f"{second} said in a statement that it would decide on its share of the {project} "
        "by the end of the quarter."
    )
    text = f" date {published.isoformat()} " + " ".join(lines)
    return {"id": f"syn-{seed}-{index:07d}", "published": published.isoformat(), "text": text}


def synthetic_articles(n: int, seed: int = 0) -> Iterator[dict[str, str]]:
    for index in range(n):
        yield synthetic_article(index, seed)


def write_jsonl(path: Path, n: int, seed: int = 0) -> Path:
    """Write `n` synthetic articles to `path` (streamed, one line each)."""
    with path.open("w", encoding="utf-8") as out:
        for article in synthetic_articles(n, seed):
            out.write(json.dumps(article, ensure_ascii=False) + "\n")
    return path
