"""Batch extraction: streamed inputs, bounded concurrency, resumable output, result cache.

Python entry point (what `extractor batch` runs)::

    from extractor import Extractor
    from extractor.batch import JsonlSink, ResultCache, read_inputs, resolve, run_batch

    with Extractor() as extractor, JsonlSink(Path("results.jsonl")) as sink:
        summary = asyncio.run(
            run_batch(extractor, read_inputs(resolve(["articles.jsonl"])), sink, concurrency=32)
        )

`MemorySink()` collects the records in a dict instead of a file; `inputs` may be any
iterable of `Article` (and `InputFailure`). Modules: inputs (reading), sink and ledger
(the output file), records (reading it back), cache, transport / driver (the pipeline's
conversation on one HTTP session), limits, runner, summary / progress / prices, openai_batch.
"""

from .cache import ResultCache, default_cache_dir
from .driver import BatchDriver
from .inputs import InputFailure, InputItem, read_inputs, resolve
from .progress import BatchProgress
from .records import read_records
from .runner import run_batch
from .sink import JsonlSink, MemorySink, RecordSink
from .summary import BatchSummary

__all__ = [
    "BatchDriver",
    "BatchProgress",
    "BatchSummary",
    "InputFailure",
    "InputItem",
    "JsonlSink",
    "MemorySink",
    "RecordSink",
    "ResultCache",
    "default_cache_dir",
    "read_inputs",
    "read_records",
    "resolve",
    "run_batch",
]
