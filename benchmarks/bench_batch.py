"""Benchmark `extractor batch` against a bare aiohttp client and a naive instructor loop.

All three post the same requests to the same loopback stub (tests/fakes/stub_server.py,
a separate process with a fixed latency), at each concurrency, in one run:

- ideal: concurrency / latency;
- bare: aiohttp posting the pre-built request bodies and decoding the JSON answers,
  nothing else (the practical limit here: the stub shares the 2 cores);
- naive: `asyncio.gather` over instructor's async `create()` with a semaphore (the
  same messages, response model and grounding context), what a user would write;
- batch: the real `extractor batch` command in a subprocess (result cache on, fresh
  folder; output file; no progress bar), timed by its own summary (the run, not the
  interpreter start, which is reported apart).

Then peak RSS of `extractor batch` for a 2,000-line and a 200,000-line JSON Lines
input, and client CPU per article (the stub's CPU is in another process).

    .venv/bin/python benchmarks/bench_batch.py                 # the full run (~35 min)
    .venv/bin/python benchmarks/bench_batch.py --quick         # 300 articles, no memory run

It refuses to run while a llama.cpp server is busy on the machine (--force overrides).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import instructor  # noqa: E402
import openai  # noqa: E402
from extractor_schemas import Article  # noqa: E402

from extractor import Extractor, load_settings  # noqa: E402
from extractor.articles import parse_article  # noqa: E402
from extractor.checks.grounding import ArticleIndex  # noqa: E402
from extractor.formats.json.response import GROUNDING_CONTEXT_KEY, ArticleEvents  # noqa: E402
from tests.fakes.synthetic_articles import synthetic_articles, write_jsonl  # noqa: E402

MODEL = "stub-model"


@dataclass
class Row:
    approach: str
    concurrency: int
    articles: int
    seconds: float
    per_s: float
    cpu_ms_per_article: float
    ok: int
    note: str = ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_stub(latency_ms: float) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakes.stub_server",
            "--port",
            str(port),
            "--latency-ms",
            str(latency_ms),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, base_url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the stub did not start")


async def bare(bodies: list[bytes], url: str, concurrency: int) -> Row:
    limit = asyncio.Semaphore(concurrency)
    ok = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(body: bytes) -> None:
            nonlocal ok
            async with (
                limit,
                session.post(
                    f"{url}/chat/completions",
                    data=body,
                    headers={"Content-Type": "application/json"},
                ) as response,
            ):
                answer = json.loads(await response.read())
                ok += bool(answer.get("choices"))

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(body) for body in bodies))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    n = len(bodies)
    return Row("bare aiohttp", concurrency, n, seconds, n / seconds, cpu / n * 1000, ok)


async def naive(extractor: Extractor, articles: list[Article], url: str, concurrency: int) -> Row:
    sdk = openai.AsyncOpenAI(base_url=url, api_key="stub", max_retries=0)
    client = instructor.from_openai(sdk)
    limit = asyncio.Semaphore(concurrency)
    ok = 0

    async def one(article: Article) -> None:
        nonlocal ok
        async with limit:
            request = {
                "model": extractor.model,
                "messages": extractor.format.messages(article),
                "temperature": extractor.settings.temperature,
                "max_tokens": extractor.settings.answer_max_tokens,
            }
            answer = await client.chat.completions.create(
                response_model=ArticleEvents,
                context={GROUNDING_CONTEXT_KEY: ArticleIndex(article.text, article.body_start)},
                max_retries=2,
                **request,
            )
            ok += bool(answer.events)

    started, cpu = time.perf_counter(), time.process_time()
    outcomes = await asyncio.gather(*(one(a) for a in articles), return_exceptions=True)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    await sdk.close()
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    n = len(articles)
    note = f"{len(errors)} errors: {errors[0]!r}"[:120] if errors else ""
    return Row("naive instructor", concurrency, n, seconds, n / seconds, cpu / n * 1000, ok, note)


def run_batch_command(
    inputs: Path, url: str, concurrency: int, work: Path, tag: str
) -> tuple[dict[str, Any], dict[str, float]]:
    """Run `extractor batch` in a subprocess; its summary, and its whole-process usage."""
    output, summary = work / f"out-{tag}.jsonl", work / f"summary-{tag}.json"
    output.unlink(missing_ok=True)
    command = [
        str(Path(sys.executable).parent / "extractor"),
        "batch",
        str(inputs),
        "-o",
        str(output),
        "--concurrency",
        str(concurrency),
        "--cache-dir",
        str(work / f"cache-{tag}"),
        "--summary-json",
        str(summary),
        "--no-progress",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRACTOR_")}
    env |= {"EXTRACTOR_BASE_URL": url, "EXTRACTOR_MODEL": MODEL}
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=work
    )
    assert process.stderr is not None
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"extractor batch failed: {stderr.decode()[-2000:]}")
    whole = {
        "wall_s": time.perf_counter() - started,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }
    return json.loads(summary.read_text()), whole


def batch_row(summary: dict[str, Any], whole: dict[str, float], concurrency: int) -> Row:
    n = summary["written"]
    note = (
        f"backend open {summary['backend_open_s']:.2f} s (not in the rate); "
        f"process incl. start: {whole['wall_s']:.1f} s wall, "
        f"{whole['cpu_s'] / n * 1000:.2f} ms CPU/article, RSS {whole['peak_rss_mb']:.0f} MB"
    )
    return Row(
        "extractor batch",
        concurrency,
        n,
        summary["elapsed_s"],
        n / summary["elapsed_s"],
        summary["cpu_s"] / n * 1000,
        summary["results"],
        note,
    )


LLAMA_SERVERS = "llama_cpp.server|extractor.llm.llama_server"  # the embedded model's server


def llama_busy() -> bool:
    found = subprocess.run(["pgrep", "-f", LLAMA_SERVERS], capture_output=True)
    return found.returncode == 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32, 128])
    parser.add_argument("--memory-lines", type=int, nargs=2, default=[2000, 200_000])
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--quick", action="store_true", help="300 articles, no memory run")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--force", action="store_true", help="run even if llama.cpp is busy")
    args = parser.parse_args(argv)
    if args.quick:
        args.articles, args.skip_memory = 300, True
    if llama_busy() and not args.force:
        sys.exit("a llama_cpp.server is running on this machine: benchmark later (or --force)")

    rows: list[Row] = []
    memory: list[dict[str, Any]] = []
    stub, url = start_stub(args.latency_ms)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
            work = Path(tmp)
            inputs = write_jsonl(work / "articles.jsonl", args.articles)
            extractor = Extractor(load_settings(base_url=url, model=MODEL))
            articles = [
                parse_article(a["text"], a["id"], a["published"])
                for a in synthetic_articles(args.articles)
            ]
            bodies = [extractor.format.start(article).body() for article in articles]
            asyncio.run(bare(bodies[:50], url, 8))  # warm up the stub
            for run, concurrency in enumerate(args.concurrency):
                if llama_busy() and not args.force:
                    sys.exit("a llama_cpp.server started meanwhile: stopping (rerun later)")
                rows.append(asyncio.run(bare(bodies, url, concurrency)))
                tag = f"run{run}-c{concurrency}"  # a fresh output and cache folder
                summary, whole = run_batch_command(inputs, url, concurrency, work, tag)
                rows.append(batch_row(summary, whole, concurrency))
                rows.append(asyncio.run(naive(extractor, articles, url, concurrency)))
                _print_rows(rows[-3:], args.latency_ms)
            if not args.skip_memory:
                for lines in args.memory_lines:
                    if llama_busy() and not args.force:
                        sys.exit("a llama_cpp.server started meanwhile: stopping (rerun later)")
                    path = write_jsonl(work / f"memory-{lines}.jsonl", lines, seed=1)
                    summary, whole = run_batch_command(path, url, 128, work, f"mem{lines}")
                    memory.append({"lines": lines, **whole, "written": summary["written"]})
                    print(
                        f"memory: {lines:>7} lines -> peak RSS {whole['peak_rss_mb']:.1f} MB "
                        f"({summary['written']} records, {whole['wall_s']:.0f} s)",
                        flush=True,
                    )
    finally:
        stub.terminate()
        stub.wait(timeout=10)
    report(rows, memory, args)


def _print_rows(rows: list[Row], latency_ms: float) -> None:
    for row in rows:
        ideal = row.concurrency / (latency_ms / 1000)
        print(
            f"c={row.concurrency:<4} {row.approach:<17} {row.per_s:8.1f}/s "
            f"({row.per_s / ideal:6.1%} of ideal {ideal:.0f}/s) "
            f"CPU {row.cpu_ms_per_article:.2f} ms/article  ok {row.ok}/{row.articles} {row.note}",
            flush=True,
        )


def report(rows: list[Row], memory: list[dict[str, Any]], args: argparse.Namespace) -> None:
    latency_s = args.latency_ms / 1000
    print(f"\n{args.articles} articles, stub latency {args.latency_ms:g} ms, articles/s:\n")
    print(
        "| concurrency | ideal | bare aiohttp | extractor batch | naive instructor | "
        "batch / bare | batch / naive | CPU ms/article (batch, bare, naive) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for b, x, n in zip(rows[0::3], rows[1::3], rows[2::3], strict=True):
        concurrency = b.concurrency
        print(
            f"| {concurrency} | {concurrency / latency_s:.0f} | {b.per_s:.1f} | {x.per_s:.1f} | "
            f"{n.per_s:.1f} | {x.per_s / b.per_s:.0%} | {x.per_s / n.per_s:.1f}x | "
            f"{x.cpu_ms_per_article:.2f}, {b.cpu_ms_per_article:.2f}, "
            f"{n.cpu_ms_per_article:.2f} |"
        )
    if memory:
        base = memory[0]["peak_rss_mb"]
        print("\n| input lines | peak RSS (MB) | vs smallest |\n|---|---|---|")
        for entry in memory:
            print(
                f"| {entry['lines']:,} | {entry['peak_rss_mb']:.1f} | "
                f"{entry['peak_rss_mb'] / base - 1:+.1%} |"
            )
    if args.json:
        args.json.write_text(
            json.dumps({"rows": [asdict(r) for r in rows], "memory": memory}, indent=2) + "\n"
        )


if __name__ == "__main__":
    main()
