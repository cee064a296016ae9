"""Chaos batch: `extractor batch` against the fault server (a FIXTURE) at a 30% fault rate.

Writes N JSON Lines articles (a few of them bad input lines), runs `extractor batch` on
them with tight retry bounds while the server injects seeded faults of every class,
then runs it again with `--retry-failed` and the faults switched off. Tallies what
came out: records, lost and duplicated ids, failures per error class, and per fault
class how often it was injected, how many articles it hit and how many it made fail.

    .venv/bin/python -m tests.chaos_batch [--articles 1000] [--rate 0.3] [--seed 2024]

tests/test_chaos_batch.py runs the same and asserts on the tally.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakes.fault_server import FAULTS, OK, FaultServer, even_rates

ROOT = Path(__file__).resolve().parent.parent
ORGS = ("Baltic Steel Works", "Mekong Power Company", "Orion Fertilizers", "Sahel Solar Holdings")
# Settings of the chaotic run: tight bounds so that some articles do run out of attempts.
CHAOS_ENV = {
    "EXTRACTOR_MAX_REASKS": "1",
    "EXTRACTOR_TRANSPORT_MAX_ATTEMPTS": "2",
    "EXTRACTOR_BACKOFF_INITIAL_S": "0.01",
    "EXTRACTOR_BACKOFF_MAX_S": "0.05",
    # Well below the fault server's slow answers (1.5 s), well above an ordinary answer on
    # a busy machine: at 0.5 s, some answers timed out while training ran beside the tests.
    "EXTRACTOR_TIMEOUT_S": "1.0",
}
BAD_LINES = (
    b'{"id": "bad-json-1", "text": "unterminated\n',
    b"this line is not JSON at all\n",
    b'{"id": "bad-no-text-1", "published": "2025-01-01"}\n',
    b'{"id": "bad-no-text-2", "text": null}\n',
    b'{"id": "bad-empty-1", "text": "   "}\n',
    b'{"id": "bad-date-1", "text": " date 2025-13-01 Body text."}\n',
    b'{"id": "bad-binary-1", "text": "\\u0000\\u0001PK\\u0003\\u0004"}\n',
    b"\xff\xfe not UTF-8\n",
)


def article(number: int) -> tuple[str, list[str]]:
    """A dated article with one to three event sentences (the fault server's triggers)."""
    triggers = []
    for k in range(1 + number % 3):
        one, two = ORGS[(number + k) % 4], ORGS[(number + k + 1) % 4]
        if k % 2:
            triggers.append(f"Directors of {one} signed a contract with {two} for lot {number}.")
        else:
            triggers.append(f"Delegates of {one} met officials of {two} for round {number}.")
    filler = f"Trading in the region was quiet on day {number}. Prices were broadly stable."
    return f" date 2025-04-{1 + number % 28:02d} " + " ".join([filler, *triggers]), triggers


def write_inputs(path: Path, count: int) -> dict[str, list[str]]:
    """`count` lines: bad input lines spread through good articles; returns the expected events."""
    expected: dict[str, list[str]] = {}
    bad = list(BAD_LINES)
    step = max(count // (len(bad) + 1), 1)
    with path.open("wb") as stream:
        for line in range(count):
            if bad and line % step == step - 1:
                stream.write(bad.pop(0))
                continue
            identifier = f"chaos-{line:05d}"
            text, triggers = article(line)
            expected[identifier] = triggers
            stream.write(json.dumps({"id": identifier, "text": text}).encode() + b"\n")
    return expected


def run_batch(
    inputs: Path, output: Path, base_url: str, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EXTRACTOR_")}
    command = [sys.executable, "-c", "from extractor.cli import main; main()", "batch"]
    return subprocess.run(
        [
            *command,
            str(inputs),
            "-o",
            str(output),
            "-c",
            "16",
            "--no-cache",
            "--no-progress",
            *extra,
        ],
        capture_output=True,
        text=True,
        env={
            **clean,
            "EXTRACTOR_BASE_URL": base_url,
            "EXTRACTOR_MODEL": "fault-server",
            **(env or {}),
        },
        cwd=ROOT,
        timeout=900,
    )


def read_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@dataclass
class Pass:
    """One run of the batch: its exit code, records, and what the server served."""

    exit_code: int
    records: list[dict[str, Any]]
    injected: dict[str, int]
    served: list[tuple[str, str]]
    seconds: float
    failures: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.failures = Counter(r["error_class"] for r in self.records if r["record"] == "failure")

    @property
    def results(self) -> int:
        return sum(1 for r in self.records if r["record"] == "result")


@dataclass
class Chaos:
    articles: int
    rate: float
    seed: int
    expected: dict[str, list[str]]
    first: Pass
    second: Pass

    def fault_table(self) -> list[tuple[str, int, int, int]]:
        """Per fault class: injected, articles hit, articles that failed with it last."""
        failed = {r["article_id"] for r in self.first.records if r["record"] == "failure"}
        last: dict[str, str] = {}
        hit: dict[str, set[str]] = {name: set() for name in FAULTS}
        for article_id, fault in self.first.served:
            last[article_id] = fault
            if fault != OK:
                hit[fault].add(article_id)
        rows = []
        for name in FAULTS:
            caused = sum(1 for a in failed if last.get(a) == name)
            rows.append((name, self.first.injected.get(name, 0), len(hit[name]), caused))
        return rows


def run_chaos(articles: int = 1000, rate: float = 0.3, seed: int = 2024) -> Chaos:
    """Both passes, in a temporary folder; the fault server lives only for this call."""
    with tempfile.TemporaryDirectory() as folder:
        inputs, output = Path(folder, "articles.jsonl"), Path(folder, "results.jsonl")
        expected = write_inputs(inputs, articles)
        server = FaultServer(
            even_rates(rate),
            seed=seed,
            slow_s=1.5,
            retry_after="1",
            max_requests=20 * articles,
            lifetime_s=900,
            keep_requests=False,
        )
        with server:
            passes = []
            for extra, env in (((), CHAOS_ENV), (("--retry-failed",), {})):
                if extra:
                    server.set_rates({})
                    server.injected.clear()
                    server.served.clear()
                started = time.monotonic()
                done = run_batch(inputs, output, server.base_url, *extra, env=env)
                if done.returncode not in (0, 1):
                    raise RuntimeError(f"extractor batch exited {done.returncode}: {done.stderr}")
                passes.append(
                    Pass(
                        done.returncode,
                        read_records(output),
                        dict(server.injected),
                        list(server.served),
                        time.monotonic() - started,
                    )
                )
    return Chaos(articles, rate, seed, expected, passes[0], passes[1])


def report(chaos: Chaos) -> str:
    """The tally as text tables."""
    first, second = chaos.first, chaos.second
    ids = [r["article_id"] for r in first.records]
    lines = [
        f"chaos batch: {chaos.articles} input lines ({len(chaos.expected)} articles, "
        f"{chaos.articles - len(chaos.expected)} bad lines), fault rate {chaos.rate:.0%} "
        f"over {len(FAULTS)} classes, seed {chaos.seed}",
        "",
        f"{'fault class':<24}{'injected':>10}{'articles hit':>14}{'failed by it':>14}",
    ]
    for name, injected, hit, caused in chaos.fault_table():
        lines.append(f"{name:<24}{injected:>10}{hit:>14}{caused:>14}")
    total = sum(first.injected.values())
    lines += [
        f"{'all faults':<24}{total:>10}   of {len(first.served)} requests "
        f"({total / max(len(first.served), 1):.1%})",
        "",
        f"{'pass':<28}{'records':>8}{'distinct':>9}{'results':>8}  failures by class",
    ]
    for name, done in (("1: faults on", first), ("2: --retry-failed, faults off", second)):
        distinct = len({r["article_id"] for r in done.records})
        classes = ", ".join(f"{k} {v}" for k, v in sorted(done.failures.items())) or "none"
        lines.append(
            f"{name:<28}{len(done.records):>8}{distinct:>9}{done.results:>8}  {classes}"
            f"  ({done.seconds:.1f} s, exit {done.exit_code})"
        )
    lost = chaos.articles - len(set(ids))
    lines += [
        "",
        f"pass 1: lost {lost}, duplicated {len(ids) - len(set(ids))}; "
        f"pass 2 re-sent {len({a for a, _ in second.served})} articles "
        f"({len(second.served)} requests)",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    print(report(run_chaos(args.articles, args.rate, args.seed)))
    print("\nrerun: .venv/bin/python -m tests.chaos_batch " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
