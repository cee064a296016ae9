"""Predictions made now, by the configured backend, for every article of a data set."""

from __future__ import annotations

from extractor import Extractor
from extractor.batch import BatchProgress, MemorySink, run_batch

from .dataset import Dataset
from .predictions import Prediction


async def predict(
    extractor: Extractor, dataset: Dataset, *, concurrency: int, show_progress: bool = True
) -> dict[str, Prediction]:
    """One result or failure per article, through the batch engine; a failure never stops
    the run."""
    sink = MemorySink()
    articles = [item.article for item in dataset.items]
    if show_progress:
        with BatchProgress(len(articles), label="eval") as progress:
            await run_batch(extractor, articles, sink, concurrency=concurrency, progress=progress)
    else:
        await run_batch(extractor, articles, sink, concurrency=concurrency)
    return dict(sink.records)
