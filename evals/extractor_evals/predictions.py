"""Read predictions: JSON Lines of result/failure records, or plain `{article_id, events}`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from extractor_schemas import Event, ExtractionFailure, ExtractionResult, Record
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

_record = TypeAdapter[Record](Record)


class PlainAnswer(BaseModel):
    """A prediction written by another tool: the gold format with evidence required."""

    article_id: str
    events: list[Event] = Field(default_factory=list)


class InvalidPrediction(BaseModel):
    """A line that names an article but breaks the schema; it scores as schema-invalid."""

    article_id: str
    message: str


Prediction = ExtractionResult | ExtractionFailure | InvalidPrediction


def parse_line(line: str) -> Prediction | None:
    """One JSONL line; None for a blank line or one that names no article."""
    if not line.strip():
        return None
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("article_id"), str):
        raise ValueError("not an object with an article_id")
    try:
        if "record" in data:
            return _record.validate_python(data)
        plain = PlainAnswer.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        return InvalidPrediction(article_id=data["article_id"], message=f"{where}: {first['msg']}")
    return ExtractionResult(
        article_id=plain.article_id,
        events=plain.events,
        model=str(data.get("model", "unknown")),
        prompt_version=str(data.get("prompt_version", "unknown")),
        attempts=1,
        requests=1,
        latency_s=0.0,
    )


def merge(predictions: Iterable[Prediction]) -> dict[str, Prediction]:
    """One prediction per article: a result beats a failure; otherwise the later line wins."""
    merged: dict[str, Prediction] = {}
    for prediction in predictions:
        earlier = merged.get(prediction.article_id)
        if isinstance(earlier, ExtractionResult) and not isinstance(prediction, ExtractionResult):
            continue
        merged[prediction.article_id] = prediction
    return merged


def read_predictions(path: Path) -> dict[str, Prediction]:
    """Every line of a predictions file; a line that is not JSON at all is an error."""
    found: list[Prediction] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                prediction = parse_line(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: {exc}") from None
            if prediction is not None:
                found.append(prediction)
    return merge(found)
