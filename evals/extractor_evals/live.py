"""Predictions made now, by the configured backend, for every article of a data set."""

from __future__ import annotations

import asyncio
import time

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from extractor import ExtractionError, Extractor

from .dataset import Dataset, LabeledArticle
from .predictions import Prediction


async def predict(
    extractor: Extractor, dataset: Dataset, *, concurrency: int, show_progress: bool = True
) -> dict[str, Prediction]:
    """One result or failure per article; a failure never stops the run."""
    limit = asyncio.Semaphore(concurrency)
    predictions: dict[str, Prediction] = {}
    columns = (
        TextColumn("[bold]eval"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("failed {task.fields[failed]}"),
        TimeElapsedColumn(),
    )
    await asyncio.to_thread(extractor.connect)
    with Progress(*columns, disable=not show_progress) as progress:
        task = progress.add_task("eval", total=len(dataset), failed=0)
        failed = 0

        async def one(item: LabeledArticle) -> None:
            nonlocal failed
            article = item.article
            async with limit:
                started = time.perf_counter()
                try:
                    predictions[article.id] = await extractor.aextract(article)
                except ExtractionError as exc:
                    failed += 1
                    elapsed = time.perf_counter() - started
                    predictions[article.id] = exc.as_record(article.id, elapsed)
            progress.update(task, advance=1, failed=failed)

        await asyncio.gather(*(one(item) for item in dataset.items))
    return predictions
