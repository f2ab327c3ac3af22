"""Run the full evaluation and render it as Markdown with a reliability diagram."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.engine import CAUTION_BELOW, Recommender
from matcher.evaluate import (
    EvalQuery,
    Metrics,
    NoMatchMetrics,
    QueryRun,
    hybrid_rankings,
    nomatch_metrics,
    prepare,
    relevance_rankings,
    summarise,
)
from matcher.hybrid import FusionParams

# Mixed Indonesian-English queries are Indonesian users' queries: reported with "id".
LANG_GROUPS: dict[str, tuple[str, ...]] = {"all": ("id", "mixed", "en"), "id": ("id", "mixed"),
                                           "en": ("en",)}
HUB_SHARE = 0.2  # a record in the top 10 of more than this share of unrelated queries


@dataclass(frozen=True)
class Hubness:
    """How often records appear in the top 10 of queries they do not answer."""

    queries: int
    max_share: float  # the worst record's share of those queries
    hubs: int  # records above HUB_SHARE
    skew: float  # skewness of the per-record counts (0: even)
    worst: tuple[tuple[str, int], ...]


@dataclass
class EvalReport:
    """Everything `replika eval` measured."""

    model: str
    rows: list[tuple[str, str, str, Metrics]] = field(default_factory=list)  # system,split,lang
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    nomatch: dict[str, NoMatchMetrics] = field(default_factory=dict)
    threshold: float | None = None
    alpha: float | None = None
    calibration_queries: int = 0
    reliability: dict[str, list[tuple[float, float, int]]] = field(default_factory=dict)
    hubness: dict[str, Hubness] = field(default_factory=dict)
    fit: dict = field(default_factory=dict)


def _by_lang(rankings: Sequence[Sequence[str]], queries: Sequence[EvalQuery]
             ) -> dict[str, Metrics]:
    out = {}
    for group, langs in LANG_GROUPS.items():
        keep = [n for n, q in enumerate(queries) if q.lang in langs]
        out[group] = summarise([rankings[n] for n in keep], [queries[n] for n in keep])
    return out


def hubness(rankings: Sequence[Sequence[str]], queries: Sequence[EvalQuery]) -> Hubness:
    """Hubness of top-10 lists: per record, the queries it appears for but does not answer."""
    counts: dict[str, int] = {}
    for ranked, query in zip(rankings, queries, strict=True):
        for iid in ranked[:10]:
            if iid not in query.relevant:
                counts[iid] = counts.get(iid, 0) + 1
    n = max(1, len(queries))
    values = np.array(list(counts.values()) or [0], dtype=np.float64)
    std = values.std()
    skew = float(((values - values.mean()) ** 3).mean() / std ** 3) if std > 0 else 0.0
    worst = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5])
    return Hubness(len(queries), float(values.max()) / n,
                   int(sum(v > HUB_SHARE * n for v in values)), skew, worst)


def plain_dense_rankings(rec: Recommender, runs: Sequence[QueryRun]) -> list[list[str]]:
    """Dense top 10 with thin records represented by their bare text (no metadata), as
    before the expansion; vectors come from the embedding cache or are encoded."""
    from models.cache import EmbeddingCache

    records = list(rec.corpus)
    texts = [". ".join(p.rstrip(". ") for p in r.field_texts() if p) for r in records]
    matrix = EmbeddingCache().encode(rec.embedder, texts)
    ids = [r.id for r in records]
    out = []
    for run in runs:
        scores = matrix @ run.vector
        out.append([ids[i] for i in np.argsort(-scores, kind="stable")[:10]])
    return out


def reliability(runs: Sequence[QueryRun], bins: int = 10, top: int | None = None
                ) -> list[tuple[float, float, int]]:
    """(mean predicted, observed share relevant, count) per probability bin."""
    probs, truth = [], []
    for run in runs:
        if run.probs is None or not run.accepted:
            continue
        order = np.argsort(-run.probs, kind="stable")[:top]
        relevant = run.query.relevant
        probs += run.probs[order].tolist()
        truth += [run.cands.ids[i] in relevant for i in order]
    p, t = np.array(probs), np.array(truth, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        keep = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if keep.any():
            out.append((float(p[keep].mean()), float(t[keep].mean()), int(keep.sum())))
    return out


def run_evaluation(rec: Recommender, splits: Mapping[str, Sequence[EvalQuery]], *,
                   others: Mapping[str, Recommender] | None = None,
                   report_split: str = "test", progress: bool = False) -> EvalReport:
    """Every channel, RRF, convex fusion and the relevance model on every split (with a
    progress bar per split on stderr when `progress`)."""
    report = EvalReport(rec.embedder.name)
    runs = {split: prepare(rec, queries, progress=split if progress else None)
            for split, queries in splits.items()}
    convex = rec.fusion
    rrf = FusionParams("rrf", 0.5, 0.5, rrf_k=60, prior_weight=0.0)
    for split, queries in splits.items():
        report.counts[split] = {
            "queries": len(queries), "answerable": sum(q.answerable for q in queries),
            "id": sum(q.lang in LANG_GROUPS["id"] for q in queries),
            "en": sum(q.lang == "en" for q in queries)}
        r = runs[split]
        systems: dict[str, list[list[str]]] = {
            "BM25": [x.lexical_ranking for x in r],
            f"dense {rec.embedder.name}": [x.dense_ranking for x in r],
            "RRF (k=60)": hybrid_rankings(rec, r, rrf),
            "convex fusion (previous default)": hybrid_rankings(rec, r, convex)}
        for name, other in (others or {}).items():
            other_runs = prepare(other, queries,
                                 progress=f"{split}, {name}" if progress else None)
            systems[f"dense {name}"] = [x.dense_ranking for x in other_runs]
        if rec.calibrated:
            systems["relevance model"] = relevance_rankings(rec, r)
        for system, rankings in systems.items():
            for lang, metrics in _by_lang(rankings, queries).items():
                report.rows.append((system, split, lang, metrics))
    if rec.calibrated:
        m = rec.relevance.manifest
        report.threshold, report.alpha = m.threshold, m.alpha
        report.calibration_queries = m.calibration_queries
        for split, r in runs.items():
            report.nomatch[split] = nomatch_metrics(r, m.threshold, CAUTION_BELOW)
        if report_split in runs:
            report.reliability = {"all candidates": reliability(runs[report_split]),
                                  "top 10 shown": reliability(runs[report_split], top=10)}
    everything = [x for r in runs.values() for x in r]
    queries = [x.query for x in everything]
    report.hubness["dense, bare thin records (before)"] = hubness(
        plain_dense_rankings(rec, everything), queries)
    report.hubness["dense, thin records expanded"] = hubness(
        [x.dense_ranking for x in everything], queries)
    report.hubness["convex fusion (previous default)"] = hubness(
        hybrid_rankings(rec, everything, convex), queries)
    if rec.calibrated:
        report.hubness["relevance model (after)"] = hubness(
            relevance_rankings(rec, everything), queries)
    return report
