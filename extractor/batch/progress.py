"""The progress bar of a batch: done and failed counts, rate, ETA and tokens (rich)."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Articles per second over the run."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.completed / elapsed if elapsed > 0 else 0.0
        return Text(f"{rate:,.1f}/s", style="progress.data.speed")


class BatchProgress:
    """A live bar on stderr; `update` is cheap enough to call for every record."""

    def __init__(
        self, total: int | None, console: Console | None = None, *, label: str = "batch"
    ) -> None:
        self._progress = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("[green]ok {task.fields[ok]}[/] [red]failed {task.fields[failed]}[/]"),
            TextColumn("cached {task.fields[cached]} skipped {task.fields[skipped]}"),
            RateColumn(),
            TextColumn("{task.fields[tokens]:,} tok"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
            refresh_per_second=4,
            transient=False,
        )
        self._task = self._progress.add_task(
            "batch", total=total, ok=0, failed=0, cached=0, skipped=0, tokens=0
        )
        self.ok = self.failed = self.cached = self.skipped = self.tokens = 0

    def record(self, *, ok: bool, cached: bool = False, tokens: int = 0) -> None:
        self.ok += ok
        self.failed += not ok
        self.cached += cached
        self.tokens += tokens
        self._progress.update(
            self._task,
            advance=1,
            ok=self.ok,
            failed=self.failed,
            cached=self.cached,
            tokens=self.tokens,
        )

    def skip(self) -> None:
        self.skipped += 1
        self._progress.update(self._task, advance=1, skipped=self.skipped)

    def __enter__(self) -> BatchProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.stop()
