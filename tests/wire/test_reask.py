"""A real validation failure followed by a successful re-ask, replayed from the seed eval.

The embedded base model's first answer for some seeds fails the schema or the grounding
checks; instructor re-asks with the errors, and the next answer passes. The first such
seed in the recording is replayed here through extract().
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from extractor import Extractor
from extractor.articles import read_article_file
from tests.conftest import SEEDS
from tests.wire.conftest import REPLAY_BASE_URL, wire_settings
from tests.wire.test_seed_eval import EVAL_CASSETTE, SEED_IDS


def recorded_posts(article_text: str) -> list[dict[str, Any]]:
    """Request bodies of the recorded chat completions about one article, in order."""
    cassette = yaml.load(Path(EVAL_CASSETTE).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    bodies = []
    for interaction in cassette["interactions"]:
        request = interaction["request"]
        if request["method"] != "POST" or interaction["response"]["status"]["code"] != 200:
            continue
        body = json.loads(request["body"])
        if article_text in body["messages"][-1]["content"] or any(
            article_text in str(m.get("content")) for m in body["messages"]
        ):
            bodies.append(body)
    return bodies


def first_reasked_seed() -> tuple[str, list[dict[str, Any]]]:
    for article_id in SEED_IDS:
        article = read_article_file(SEEDS / f"{article_id}.txt")
        posts = recorded_posts(article.body[:200])
        if len(posts) == 2:
            return article_id, posts
    raise AssertionError("the recording has no seed answered on the second attempt")


@pytest.mark.vcr(EVAL_CASSETTE, record_mode="none")
def test_validation_failure_then_successful_reask() -> None:
    article_id, posts = first_reasked_seed()
    first, second = posts
    # The re-ask repeats the conversation, adds the rejected answer and the errors.
    assert second["messages"][: len(first["messages"])] == first["messages"]
    added = second["messages"][len(first["messages"]) :]
    assert added[0]["role"] == "assistant"
    feedback = json.dumps(added[1:])
    assert "validation" in feedback.lower() or "error" in feedback.lower()

    with Extractor(wire_settings(REPLAY_BASE_URL)) as extractor:
        result = extractor.extract(read_article_file(SEEDS / f"{article_id}.txt"))
    assert result.attempts == 2
    assert result.requests == 2
    assert all(event.evidence_span is not None for event in result.events)
