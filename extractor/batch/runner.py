"""`run_batch`: stream inputs through bounded concurrent workers into a sink.

One producer reads inputs in small slices (in a thread, so a slow stdin never stalls the
event loop), asks the sink whether each id still needs work, answers from the cache when
it can, and queues the rest; `concurrency` workers extract through one `BatchDriver`
(the pipeline's conversation on a shared HTTP session). Memory is bounded by the queue,
whatever the input size. Every input id gets exactly one record in the sink: a result, a
failure (extraction or input), or none because it was already done or is a repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import time
from collections.abc import AsyncIterator, Iterable, Iterator

from extractor_schemas import Article, ExtractionResult, Record

from ..errors import ArticleError, ExtractionError
from ..pipeline import Extractor
from .cache import CacheKeys, ResultCache
from .driver import BatchDriver
from .inputs import InputFailure, InputItem
from .ledger import Claim
from .limits import RateLimits
from .progress import BatchProgress
from .sink import RecordSink
from .summary import BatchSummary
from .transport import HttpTransport

_READ_SLICE = 64
_CACHE_COMMIT_S = 1.0
_GC_THRESHOLD = 10_000  # young-generation allocations between collections (CPython: 700)


async def run_batch(
    extractor: Extractor,
    inputs: Iterable[InputItem],
    sink: RecordSink,
    *,
    concurrency: int = 8,
    rpm: int | None = None,
    tpm: int | None = None,
    cache: ResultCache | None = None,
    progress: BatchProgress | None = None,
    tune_gc: bool = False,
) -> BatchSummary:
    """Extract every input into `sink`; returns what happened. Bad articles never stop it.

    `inputs` are `Article`s or `InputFailure`s (see `extractor.batch.inputs.read_inputs`);
    `sink` decides what is already done (`JsonlSink` for a resumable file, `MemorySink`
    to collect records in memory). The backend is started (or checked) when the first
    article needs it: a run whose inputs are all invalid, done or cached starts no
    model server. Raises only for what makes recording impossible (the endpoint cannot
    be reached, the output cannot be written).
    `tune_gc` freezes the objects that exist at the start out of the garbage collector
    and makes it run less often (restored at the end): about 15% less CPU per article.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    summary = BatchSummary(model=extractor.model)
    keys = CacheKeys(extractor) if cache is not None else None
    queue: asyncio.Queue[tuple[Article, bytes] | None] = asyncio.Queue(maxsize=2 * concurrency)

    def record(item: Record, *, live: bool, cached: bool = False) -> str:
        line = item.model_dump_json()
        sink.write(item, line)
        summary.count(item, live=live)
        if progress is not None:
            progress.record(
                ok=isinstance(item, ExtractionResult),
                cached=cached,
                tokens=item.usage.total_tokens if live else 0,
            )
        return line

    async def produce() -> None:
        async for item in _Slices(inputs):
            summary.inputs += 1
            claim = sink.claim(item.article_id if isinstance(item, InputFailure) else item.id)
            if claim is not Claim.NEW:
                _count_skip(summary, claim, progress)
                continue
            if isinstance(item, InputFailure):
                summary.input_failures += 1
                record(item.as_record(), live=False)
                continue
            key = b""
            if cache is not None and keys is not None:
                key = keys.key(item)
                hit = cache.get(key, item)
                if hit is not None:
                    summary.cache_hits += 1
                    record(hit, live=False, cached=True)
                    continue
            await queue.put((item, key))

    async def work(connection: _Connection) -> None:
        driver: BatchDriver | None = None
        while (job := await queue.get()) is not None:
            if driver is None:
                driver = BatchDriver(extractor, await connection.transport())
            article, key = job
            result: Record
            try:
                result = await driver.aextract(article)
            except ArticleError as exc:  # over the size limit: nothing was sent
                result = InputFailure(article.id, str(exc)).as_record()
            except ExtractionError as exc:
                result = exc.as_record(article.id)
            line = record(result, live=True)
            if cache is not None and key and isinstance(result, ExtractionResult):
                cache.put(key, result, line)

    async def commit_cache() -> None:
        while cache is not None:
            await asyncio.sleep(_CACHE_COMMIT_S)
            cache.commit()

    connection = _Connection(extractor, concurrency, RateLimits(rpm, tpm))
    async with connection, _gc_tuned(tune_gc):
        started, cpu_started = time.perf_counter(), time.process_time()
        committer = asyncio.create_task(commit_cache())
        try:
            async with asyncio.TaskGroup() as group:
                workers = [group.create_task(work(connection)) for _ in range(concurrency)]
                await produce()
                for _ in workers:
                    await queue.put(None)
        except BaseExceptionGroup as failed:  # the output or cache could not be written
            raise failed.exceptions[0] from None
        finally:
            committer.cancel()
            if cache is not None:
                cache.commit()
    # Like the interpreter's start, opening the backend is a fixed cost, reported apart.
    summary.backend_open_s = connection.open_s
    summary.elapsed_s = time.perf_counter() - started - connection.open_s
    summary.cpu_s = time.process_time() - cpu_started - connection.open_cpu_s
    return summary


class _Connection:
    """The batch's one HTTP session, opened when the first article needs it."""

    def __init__(self, extractor: Extractor, connections: int, limits: RateLimits) -> None:
        self._extractor = extractor
        self._connections = connections
        self._limits = limits
        self._transport: HttpTransport | None = None
        self._lock = asyncio.Lock()
        self.open_s = 0.0  # wall time spent opening the backend
        self.open_cpu_s = 0.0  # and CPU time

    async def transport(self) -> HttpTransport:
        async with self._lock:
            if self._transport is None:
                began, cpu_began = time.perf_counter(), time.process_time()
                client = await asyncio.to_thread(self._extractor.backend.client)
                self.open_s = time.perf_counter() - began
                self.open_cpu_s = time.process_time() - cpu_began
                transport = HttpTransport(
                    self._extractor.settings,
                    client.base_url,
                    connections=self._connections,
                    limits=self._limits,
                )
                self._transport = await transport.__aenter__()
            return self._transport

    async def __aenter__(self) -> _Connection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._transport is not None:
            await self._transport.aclose()


@contextlib.asynccontextmanager
async def _gc_tuned(enabled: bool) -> AsyncIterator[None]:
    """Keep the interpreter's long-lived objects out of collections during the run."""
    if not enabled:
        yield
        return
    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(_GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _count_skip(summary: BatchSummary, claim: Claim, progress: BatchProgress | None) -> None:
    if claim is Claim.DONE:
        summary.skipped_done += 1
    elif claim is Claim.FAILED:
        summary.skipped_failed += 1
    else:
        summary.duplicates += 1
    if progress is not None:
        progress.skip()


class _Slices:
    """Iterate a blocking iterator in slices read by a worker thread."""

    def __init__(self, items: Iterable[InputItem]) -> None:
        self._items: Iterator[InputItem] = iter(items)

    def __aiter__(self) -> _Slices:
        self._buffer: list[InputItem] = []
        return self

    async def __anext__(self) -> InputItem:
        if not self._buffer:
            self._buffer = await asyncio.to_thread(
                lambda: list(itertools.islice(self._items, _READ_SLICE))
            )
            self._buffer.reverse()
            if not self._buffer:
                raise StopAsyncIteration
        return self._buffer.pop()
