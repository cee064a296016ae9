"""Load test of `extractor serve` on loopback, its backend the stub of tests/fakes/stub_server.py.

Starts the stub (fixed answer latency) and `extractor serve` as two processes on free
127.0.0.1 ports, then runs CLIENTS concurrent clients for DURATION seconds; each posts
synthetic articles (tests/fakes/synthetic_articles.py) to /v1/extract one after another. Prints
requests/s, latency percentiles, errors, the server's resident memory before and after,
and cross-checks the count against the server's /metrics. Traffic stays on loopback and
stops by itself at the deadline.

Rerun (only when `pgrep -f 'llama_cpp.server|llm.llama_server'` finds nothing; 2 cores):

    .venv/bin/python benchmarks/load_serve.py --clients 200 --duration 30 --stub-latency-ms 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.synthetic_articles import synthetic_articles  # noqa: E402

LLAMA_SERVERS = "llama_cpp.server|extractor.llm.llama_server"
STUB = [sys.executable, "-m", "tests.fakes.stub_server"]
SERVE = [sys.executable, "-c", "from extractor.cli import main; main()", "serve"]
RERUN = "{python} benchmarks/load_serve.py --clients {clients} --duration {duration:g} " + (
    "--stub-latency-ms {latency:g}"
)


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    events: int = 0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def llama_running() -> bool:
    found = subprocess.run(["pgrep", "-f", LLAMA_SERVERS], capture_output=True, text=True)
    return bool(found.stdout.strip())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory of a process, in MiB (Linux /proc)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"{process.args!r} exited with {process.returncode}")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds:g} s")


async def client(
    session: aiohttp.ClientSession,
    url: str,
    bodies: list[bytes],
    start: int,
    deadline: float,
    tally: Tally,
) -> None:
    """One client: post articles one after another until the deadline."""
    index = start
    while time.monotonic() < deadline:
        body = bodies[index % len(bodies)]
        index += 1
        sent = time.perf_counter()
        try:
            async with session.post(url, data=body) as response:
                payload = await response.read()
                elapsed = time.perf_counter() - sent
                if response.status != 200:
                    tally.error(f"HTTP {response.status}")
                    continue
                record = json.loads(payload)
                if record.get("record") != "result":
                    tally.error("not a result")
                    continue
                tally.events += len(record["events"])
                tally.latencies.append(elapsed)
        except (aiohttp.ClientError, TimeoutError) as exc:
            tally.error(type(exc).__name__)


async def run_load(base: str, clients: int, duration: float) -> tuple[Tally, float]:
    bodies = [json.dumps(article).encode() for article in synthetic_articles(1000, seed=7)]
    tally = Tally()
    connector = aiohttp.TCPConnector(limit=clients, limit_per_host=clients)
    timeout = aiohttp.ClientTimeout(total=120)
    headers = {"content-type": "application/json"}
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, headers=headers
    ) as session:
        started = time.perf_counter()
        deadline = time.monotonic() + duration
        await asyncio.gather(
            *(
                client(session, f"{base}/v1/extract", bodies, n * 5, deadline, tally)
                for n in range(clients)
            )
        )
        elapsed = time.perf_counter() - started
    return tally, elapsed


async def server_count(base: str) -> dict[str, float]:
    """What the server itself counted: 200s on /v1/extract and extraction outcomes."""
    from prometheus_client.parser import text_string_to_metric_families

    async with aiohttp.ClientSession() as session, session.get(f"{base}/metrics") as response:
        text = await response.text()
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "extractor_http_requests_total" and labels["route"] == "/v1/extract":
                counts[f"http {labels['status']}"] = sample.value
            elif sample.name == "extractor_extractions_total":
                counts[f"extractions {labels['outcome']}"] = sample.value
    return counts


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 1000) - 1]


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, as a supervisor would; the server finishes in-flight requests first."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    return process.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--stub-latency-ms", type=float, default=200.0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--allow-busy", action="store_true", help="run even while a llama.cpp server runs"
    )
    args = parser.parse_args(argv)
    if llama_running() and not args.allow_busy:
        raise SystemExit("a llama.cpp server is running: wait for it, or pass --allow-busy")

    logs = Path(tempfile.mkdtemp(prefix="load-serve-"))
    stub_port, serve_port = free_port(), free_port()
    base = f"http://127.0.0.1:{serve_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRACTOR_")}
    stub = start(
        [*STUB, "--port", str(stub_port), "--latency-ms", f"{args.stub_latency_ms:g}"],
        env,
        logs / "stub.log",
    )
    server_env = {
        **env,
        "EXTRACTOR_BASE_URL": f"http://127.0.0.1:{stub_port}/v1",
        "EXTRACTOR_MODEL": "stub-model",
    }
    server = start(
        [*SERVE, "--port", str(serve_port)],
        server_env,
        logs / "serve.log",
    )
    try:
        asyncio.run(wait_for(f"http://127.0.0.1:{stub_port}/v1/models", stub))
        asyncio.run(wait_for(f"{base}/readyz", server))
        before, _ = rss_mib(server.pid)
        cpu_before = cpu_seconds(server.pid)
        tally, elapsed = asyncio.run(run_load(base, args.clients, args.duration))
        cpu_used = cpu_seconds(server.pid) - cpu_before
        after, peak = rss_mib(server.pid)
        counted = asyncio.run(server_count(base))
        contended = llama_running()
    finally:
        server_exit = stop(server)
        stop(stub)

    done = len(tally.latencies)
    errors = sum(tally.errors.values())
    figures: dict[str, Any] = {
        "clients": args.clients,
        "duration_s": round(elapsed, 2),
        "stub_latency_ms": args.stub_latency_ms,
        "requests_ok": done,
        "errors": errors,
        "error_kinds": tally.errors,
        "requests_per_s": round(done / elapsed, 1),
        "latency_p50_ms": round(percentile(tally.latencies, 0.50) * 1000, 1) if done else None,
        "latency_p99_ms": round(percentile(tally.latencies, 0.99) * 1000, 1) if done else None,
        "latency_max_ms": round(max(tally.latencies) * 1000, 1) if done else None,
        "events_returned": tally.events,
        "server_cpu_ms_per_request": round(cpu_used * 1000 / done, 1) if done else None,
        "server_rss_before_mib": round(before, 1),
        "server_rss_after_mib": round(after, 1),
        "server_rss_peak_mib": round(peak, 1),
        "server_counted": counted,
        "server_exit_on_sigterm": server_exit,
        "llama_server_seen_after": contended,
        "logs": str(logs),
    }
    rerun = RERUN.format(
        python=".venv/bin/python",
        clients=args.clients,
        duration=args.duration,
        latency=args.stub_latency_ms,
    )
    print(f"extractor serve under load ({os.cpu_count()} cores shared by clients, server, stub)")
    for key, value in figures.items():
        print(f"  {key:24} {value}")
    print(f"rerun: {rerun}")
    if contended:
        print("warning: a llama.cpp server was running at the end: the figures are not clean")
    if args.json:
        args.json.write_text(json.dumps({**figures, "rerun": rerun}, indent=2) + "\n")
    if errors or counted.get("http 200", 0) != done:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
