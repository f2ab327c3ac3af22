"""Loopback load test (not a test): POST /v1/recommendations at 1, 8 and 32 concurrent clients.

Starts `replika serve` with the default model (e5-small) on the bundled corpus in a temporary
data directory on a free 127.0.0.1 port, or targets a running server given by --url (which
must be a loopback address). Each level is bounded: at most --max-requests requests and
--seconds of sending, then it stops. Two runs per level:

- cache miss: Indonesian problem statements from eval/dev_queries.jsonl, each with a region
  sentence appended so no text repeats and every request encodes its query;
- repeated: a few statements sent over and over, all answered from the query-vector cache.

Writes a generated block into docs/performance.md. Run: .venv/bin/python scripts/loadtest.py
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import itertools
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from corpus.vocab import PROVINCES
from service.evaldoc import write_generated
from service.launch import ServerFailed, served, wait_ready

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = "scripts/loadtest.py"
SUFFIXES = ("Kondisi ini kami alami di {p}.", "Kami pemerintah daerah di {p}.",
            "Daerah kami di {p} butuh contoh inovasi yang sudah terbukti.",
            "Bagaimana daerah lain mengatasinya? (kami di {p})")


@dataclass
class LevelResult:
    """What one bounded run at one concurrency produced."""

    kind: str
    clients: int
    latencies: list[float]
    errors: int
    seconds: float

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the successful requests, in milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return 1000 * ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def problem_statements() -> list[str]:
    """The Indonesian problem statements of the development query set."""
    rows = [json.loads(line) for line in
            (ROOT / "eval" / "dev_queries.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [r["text"] for r in rows if r["lang"] == "id" and r["style"] == "statement"]


def varied(texts: list[str]) -> Iterator[str]:
    """Distinct statements: each base text with a region sentence appended (never bare)."""
    for n in itertools.count():
        variant = n // len(texts)
        if variant >= len(PROVINCES) * len(SUFFIXES):
            raise RuntimeError("ran out of distinct statements")
        province = PROVINCES[variant % len(PROVINCES)]
        suffix = SUFFIXES[variant // len(PROVINCES)].format(p=province)
        yield f"{texts[n % len(texts)]} {suffix}"


def check_loopback(url: str) -> str:
    """The URL without a trailing slash, if it points at this machine; else exit."""
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"refusing {url}: the load test only targets loopback addresses")
    return url.rstrip("/")


@contextmanager
def serve(model: str | None, workers: int = 1
          ) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    """`replika serve` in a subprocess on a fresh data directory."""
    with tempfile.TemporaryDirectory(prefix="replika-load-") as tmp, \
            served(Path(tmp), model=model, extra=["--workers", str(workers)],
                   # The load test measures throughput, not the per-client rate limit.
                   env_extra={"REPLIKA_RATE_READS": "1000000/minute"}) as (server, _):
        yield server.base, server.proc, server.log


def ready_or_exit(base: str, proc=None, log=None) -> dict:
    """The /readyz answer, or exit with the reason the server is not ready."""
    try:
        return wait_ready(base, proc, log, timeout_s=300)
    except ServerFailed as exc:
        raise SystemExit(str(exc)) from None


async def run_level(base: str, kind: str, clients: int, texts: Iterator[str],
                    max_requests: int, seconds: float, k: int) -> LevelResult:
    """`clients` concurrent senders until max_requests were sent or `seconds` passed."""
    latencies: list[float] = []
    errors: list[str] = []
    sent = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60,
                                 trust_env=False) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def sender() -> None:
            nonlocal sent
            while sent < max_requests and time.perf_counter() < deadline:
                sent += 1
                body = {"text": next(texts), "k": k}
                t0 = time.perf_counter()
                try:
                    response = await client.post("/v1/recommendations", json=body)
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors.append(f"HTTP {response.status_code}: {response.text[:200]}")

        await asyncio.gather(*(sender() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    for message in errors[:3]:
        print(f"  error ({kind}, {clients} clients): {message}", file=sys.stderr)
    return LevelResult(kind, clients, latencies, len(errors), elapsed)


async def run_all(base: str, levels: list[int], max_requests: int, seconds: float,
                  k: int, repeated: int) -> list[LevelResult]:
    """Warm up, then the cache-miss and repeated-query runs at every level."""
    statements = problem_statements()
    fresh = varied(statements)
    # Warm-up (not counted): the first requests pay for lazy initialisation.
    await run_level(base, "warm-up", 1, fresh, 5, 30, k)
    hot = statements[:repeated]  # bare statements: never among the varied ones
    await run_level(base, "prime", 1, iter(hot), len(hot), 60, k)
    results = []
    for clients in levels:
        for kind, texts in (("cache miss", fresh), ("repeated", itertools.cycle(hot))):
            result = await run_level(base, kind, clients, texts, max_requests, seconds, k)
            results.append(result)
            print(f"{kind:>10} {clients:>3} clients: {result.requests:>4} requests in "
                  f"{result.seconds:5.1f} s, {result.rps:6.1f}/s, p50 "
                  f"{result.percentile(50):6.1f} ms, p99 {result.percentile(99):6.1f} ms, "
                  f"{result.errors} errors", file=sys.stderr)
    return results


def render(results: list[LevelResult], ready: dict, args: argparse.Namespace,
           started_here: bool, total_s: float, load_before: float | None) -> str:
    """The Markdown block written into docs/performance.md."""
    cpu = os.cpu_count()
    where = ("`replika serve` started by the script" if started_here
             else "an already running server")
    lines = [
        "## HTTP load (loopback)",
        "",
        f"POST /v1/recommendations (k={args.k}, no filters) against {where} on 127.0.0.1, "
        f"model `{ready.get('model')}`, {ready.get('innovations')} innovations; "
        + (f"{args.workers} uvicorn worker process(es), cores/workers query encoders each"
           if started_here
           else "the server's own workers")
        + f". Client and server share the machine: {cpu} CPU cores ({cpu_name()}), "
        f"Python {platform.python_version()}. Each run stops "
        f"after {args.max_requests} requests or {args.seconds:g} s of sending, whichever comes "
        "first. *Cache miss*: distinct Indonesian problem statements from "
        "`eval/dev_queries.jsonl`, varied with a region sentence, so every query is encoded. "
        f"*Repeated*: {args.repeated} statements cycled, answered from the query-vector "
        "cache. Latency is per request as the client sees it, queueing included.",
        "",
        "| Queries | Clients | Requests | Errors | Requests/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(results, key=lambda r: (r.kind != "cache miss", r.clients)):
        lines.append(f"| {r.kind} | {r.clients} | {r.requests} | {r.errors} | {r.rps:.1f} | "
                     f"{r.percentile(50):.0f} | {r.percentile(99):.0f} |")
    load = (f" The 1-minute load average was {load_before:.2f} before the run; other work "
            "on the machine inflates the latencies." if load_before is not None else "")
    lines += ["", f"This run took {total_s:.0f} s.{load} Rerun with "
              "`.venv/bin/python scripts/loadtest.py` (add `--url http://127.0.0.1:8000` to "
              "measure a server you started yourself)."]
    return "\n".join(lines)


def cpu_name() -> str:
    """The processor model from /proc/cpuinfo, or the platform's machine name."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server on a loopback address instead of "
                        "starting one")
    parser.add_argument("--model", help="embedder for the started server (default: the "
                        "settings default, e5-small)")
    parser.add_argument("--levels", default="1,8,32", help="concurrent clients per level")
    parser.add_argument("--max-requests", type=int, default=600,
                        help="at most this many requests per run")
    parser.add_argument("--seconds", type=float, default=30,
                        help="stop sending after this many seconds per run")
    parser.add_argument("--repeated", type=int, default=8,
                        help="distinct statements in the repeated-query runs")
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes of the started server (default 1, with one "
                             "query encoder per core)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md",
                        help="Markdown file to update; '-' prints the block instead")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    if not levels or min(levels) < 1 or args.max_requests < 1 or args.seconds <= 0:
        parser.error("levels, --max-requests and --seconds must be positive")

    def measure(base: str, proc=None, log=None) -> tuple[dict, list[LevelResult]]:
        ready = ready_or_exit(base, proc, log)
        print(f"{base} ready: model {ready['model']}, {ready['innovations']} innovations",
              file=sys.stderr)
        return ready, asyncio.run(run_all(base, levels, args.max_requests, args.seconds,
                                          args.k, args.repeated))

    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    started = time.perf_counter()
    if args.url:
        ready, results = measure(check_loopback(args.url))
    else:
        with serve(args.model, args.workers) as (base, proc, log):
            ready, results = measure(base, proc, log)
    body = render(results, ready, args, started_here=not args.url,
                  total_s=time.perf_counter() - started, load_before=load_before)
    if str(args.out) == "-":
        print(body)
    else:
        write_generated(args.out, body, GENERATOR)
        print(f"wrote {args.out}", file=sys.stderr)
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
