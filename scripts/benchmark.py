"""Benchmark (not a test): recommend latency, index build throughput, start-up of the
served engine and FAISS IVF recall.

Writes a generated block into docs/performance.md. Run: make bench
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from corpus.loader import load_bundled_corpus
from matcher.config import Settings
from matcher.dense import EXACT_MAX, DenseIndex, brute_force_search, set_search_threads
from matcher.engine import Recommender
from matcher.evaluate import load_queries
from matcher.features import pair_features
from matcher.index import build_index, make_analyzer
from matcher.quickscorer import packed_scores
from matcher.relevance import default_relevance_dir, load_relevance, tree_scores
from models import create_embedder
from models.cache import EmbeddingCache
from service.evaldoc import write_generated
from service.launch import served

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile in milliseconds."""
    return float(np.percentile(np.array(values) * 1000, p))


def timed(fn) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def problem_statements(n: int) -> list[str]:
    """Distinct Indonesian problem statements of about 40 words from the dev set."""
    queries = load_queries(ROOT / "eval" / "dev_queries.jsonl")
    texts = [q.text for q in queries if q.lang == "id" and q.style == "statement"]
    out = []
    for i in range(n):
        words = f"{texts[i % len(texts)]} {texts[(i + 7) % len(texts)]}".split()[:40]
        out.append(" ".join(words))
    return out


def bench_latency(rec: Recommender, texts: list[str]) -> dict[str, float]:
    """Encoder-only vs full recommend vs cached recommend, per query."""
    for t in texts[:3]:  # warm up
        rec.embedder.encode_queries([t])
    encoder = [timed(lambda t=t: rec.embedder.encode_queries([t])) for t in texts]
    rec.clear_query_cache()
    full = [timed(lambda t=t: rec.recommend(t, k=10)) for t in texts]
    cached = [timed(lambda t=t: rec.recommend(t, k=10)) for t in texts]
    rerank, packed, walk = [], [], []
    model = rec.relevance
    for t in texts:
        vector = rec.query_vector(t)
        _, stems = rec.query_stems(t)
        cands = rec.candidates_for(vector, stems, None, rec.candidates, rec.language(t))
        rerank.append(timed(lambda v=vector, s=stems, c=cands: model.probabilities(
            pair_features(rec.pair_inputs(v, s, c)))))
        if model.packed is not None:  # the trees alone: as served, and the oracle walk
            z = (pair_features(rec.pair_inputs(vector, stems, cands)) - model.mean) / model.scale
            packed.append(timed(lambda z=z: packed_scores(model.packed, z)))
            walk.append(timed(lambda z=z: tree_scores(model.trees, z)))
    return {"encoder_p50": percentile(encoder, 50), "encoder_p95": percentile(encoder, 95),
            "recommend_p50": percentile(full, 50), "recommend_p95": percentile(full, 95),
            "cached_p50": percentile(cached, 50), "cached_p95": percentile(cached, 95),
            "rerank_p50": percentile(rerank, 50), "rerank_p95": percentile(rerank, 95),
            "packed_p50": percentile(packed, 50) if packed else float("nan"),
            "packed_p95": percentile(packed, 95) if packed else float("nan"),
            "walk_p50": percentile(walk, 50) if walk else float("nan"),
            "walk_p95": percentile(walk, 95) if walk else float("nan"),
            "candidates": float(np.mean([len(rec.candidates_for(
                rec.query_vector(t), rec.query_stems(t)[1], None, rec.candidates).ids)
                for t in texts]))}


def bench_build(embedder, corpus) -> dict[str, float]:
    """Index build throughput (cold cache) vs the encoder's own batch throughput, both over
    the texts a build encodes: each document and each of its non-empty fields."""
    texts = [t for r in corpus for t in (r.document_text(), *r.field_texts()) if t]
    analyzer = make_analyzer(corpus)
    # Alternate the two and keep each one's best of two runs: other load on the machine
    # then inflates neither more than the other.
    encode_s = build_s = float("inf")
    for _ in range(2):
        encode_s = min(encode_s, timed(lambda: embedder.encode_documents(texts)))
        build_s = min(build_s, timed(lambda: build_index(corpus, embedder, analyzer,
                                                         cache=EmbeddingCache())))
    return {"docs": len(corpus), "texts": len(texts), "encoder_docs_per_s": len(texts) / encode_s,
            "build_docs_per_s": len(texts) / build_s}


def bench_startup(model: str, restarts: int = 2) -> dict[str, float]:
    """`replika serve` on the bundled corpus until /readyz answers: the first start (seed
    the store, build the index from the shipped vectors) and the best of `restarts`
    start-ups from the files it saved."""
    if restarts < 1:
        raise ValueError(f"restarts must be at least 1, not {restarts}")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        start = time.perf_counter()
        with served(data, model=model):
            first = time.perf_counter() - start
        again = []
        for _ in range(restarts):
            start = time.perf_counter()
            with served(data, model=model):
                again.append(time.perf_counter() - start)
    return {"first_s": first, "restart_s": min(again), "restarts": restarts}


def clustered_vectors(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors around 200 random centres, like topical document embeddings."""
    centres = rng.normal(size=(200, dim)).astype(np.float32)
    x = centres[rng.integers(0, 200, n)] + 0.6 * rng.normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def bench_ivf(n: int, dim: int = 384, queries: int = 200) -> list[dict[str, float]]:
    """Recall@10 of IVF against exact search, and per-query latency, for several nprobe."""
    rng = np.random.default_rng(0)
    vectors = clustered_vectors(n + queries, dim, rng)
    base, qs = vectors[:n], vectors[n:]
    ids = np.arange(n, dtype=np.int64)
    truth = [set(brute_force_search(base, ids, q, 10).ids.tolist()) for q in qs]
    rows = []
    flat = DenseIndex.build(base, ids, kind="flat")
    flat_s = timed(lambda: [flat.search(q, 10) for q in qs]) / queries
    rows.append({"kind": "flat", "nprobe": 0, "recall10": 1.0, "ms": flat_s * 1000})
    ivf = DenseIndex.build(base, ids, kind="ivf")
    for nprobe in (8, 16, 32, 64):
        ivf = ivf.with_nprobe(nprobe)
        found = []
        start = time.perf_counter()
        for q in qs:
            found.append(set(ivf.search(q, 10).ids.tolist()))
        per_query = (time.perf_counter() - start) / queries
        recall = float(np.mean([len(f & t) / 10 for f, t in zip(found, truth, strict=True)]))
        rows.append({"kind": "ivf", "nprobe": nprobe, "recall10": recall, "ms": per_query * 1000})
    return rows


def render(lat: dict, build: dict, startup: dict, ivf: dict[int, list], model: str,
           n_queries: int) -> str:
    """The generated Markdown block."""
    lines = [f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
             f"Python {platform.python_version()}; model `{model}`; bundled corpus.", "",
             f"### Recommend latency ({n_queries} distinct 40-word Indonesian problem "
             "statements, k=10, model loaded)", "",
             "| what | p50 ms | p95 ms |", "|---|---|---|",
             f"| encoder alone (one query) | {lat['encoder_p50']:.1f} | {lat['encoder_p95']:.1f} |",
             f"| recommend, uncached | {lat['recommend_p50']:.1f} | {lat['recommend_p95']:.1f} |",
             f"| recommend, repeated query (cache) | {lat['cached_p50']:.2f} | "
             f"{lat['cached_p95']:.2f} |",
             f"| re-ranking step alone (features + relevance model, "
             f"{lat['candidates']:.0f} candidates on average) | {lat['rerank_p50']:.2f} | "
             f"{lat['rerank_p95']:.2f} |",
             f"| of which the relevance trees, packed (QuickScorer, as served) | "
             f"{lat['packed_p50']:.2f} | {lat['packed_p95']:.2f} |",
             f"| the same trees by the node walk (the tests' oracle) | {lat['walk_p50']:.2f} | "
             f"{lat['walk_p95']:.2f} |", "",
             f"Recommend p50 / encoder p50 = {lat['recommend_p50'] / lat['encoder_p50']:.2f}x.",
             "", f"### Index build ({build['docs']} innovations, {build['texts']} texts: each "
             "document and its non-empty heading, problem and solution; cold embedding cache)",
             "", "| what | texts/s |", "|---|---|",
             f"| encoder alone (batch, the same texts) | {build['encoder_docs_per_s']:.1f} |",
             f"| full index build (encode + FAISS + field vectors + BM25) | "
             f"{build['build_docs_per_s']:.1f} |", "",
             f"Build / encoder = {build['build_docs_per_s'] / build['encoder_docs_per_s']:.2f}x.",
             "", f"### Start-up ({build['docs']} innovations: `replika serve` on 127.0.0.1 "
             "until /readyz answers, SQLite store)", "", "| what | s |", "|---|---|",
             f"| first start (seed the store, build the index) | {startup['first_s']:.1f} |",
             f"| start-up from the saved files (best of {startup['restarts']}) | "
             f"{startup['restart_s']:.1f} |",
             "", f"### FAISS: exact up to {EXACT_MAX:,} vectors, IVF above", "",
             "Synthetic clustered unit vectors (dim 384); recall@10 against exact search; "
             "200 queries.", "", "| vectors | index | nprobe | recall@10 | ms/query |",
             "|---|---|---|---|---|"]
    for n, rows in ivf.items():
        lines += [f"| {n:,} | {r['kind']} | {r['nprobe'] or '-'} | {r['recall10']:.3f} | "
                  f"{r['ms']:.2f} |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark and update docs/performance.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="e5-small")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--ivf-sizes", default="20000,100000")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args(argv)
    set_search_threads(Settings().search_threads)  # as the served engine runs
    corpus = load_bundled_corpus()
    embedder = create_embedder(args.model)
    build = bench_build(embedder, corpus)
    analyzer = make_analyzer(corpus)
    index = build_index(corpus, embedder, analyzer)
    relevance = load_relevance(default_relevance_dir(embedder.name))
    relevance.check(embedder.name)
    rec = Recommender(corpus, index, embedder, analyzer, relevance=relevance)
    lat = bench_latency(rec, problem_statements(args.queries))
    startup = bench_startup(args.model)
    ivf = {int(n): bench_ivf(int(n)) for n in args.ivf_sizes.split(",")}
    body = render(lat, build, startup, ivf, embedder.name, args.queries)
    write_generated(args.out, body, "scripts/benchmark.py", empty="# Performance\n")
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
