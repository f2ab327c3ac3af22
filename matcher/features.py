"""Features of (problem statement, innovation) candidate pairs for the relevance model.

Pure functions over arrays: the engine gathers one query's candidates (`PairInputs`) and
`pair_features` turns them into one row per candidate, in the order of `FEATURES`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.hybrid import minmax, rrf
from matcher.termrows import TermRows

# Bump when a feature is added, removed or computed differently: a fitted relevance model
# records it and is refused by code that computes other features.
FEATURE_VERSION = 7  # 7: similarity to the query's leading candidates

BASE_FEATURES: tuple[str, ...] = (
    "dense",  # cosine of query and whole document
    "dense_rel",  # ... minus the best cosine among the query's candidates
    "title_cos", "problem_cos", "solution_cos",  # per-field cosines (0: field absent)
    "field_max", "field_max_rel",  # best field cosine, and minus the query's best
    "bm25", "bm25_norm", "bm25_per_term",  # raw, over the query's best, per query stem
    "dense_rank", "lexical_rank",  # log(1 + rank); absent from a channel: log(2 + depth)
    "rrf",  # reciprocal-rank fusion of the two channels (k = 60)
    "coverage", "matched",  # IDF-weighted share of query stems in the doc; informative count
    "agree",  # both channels rank it within their top 20
    "body_words", "has_problem", "has_solution",  # how thin the record is
    "sector_p",  # the query's sector classifier's probability of the record's sector
    "lang_en", "query_terms", "query_known",  # query language, length, share known to corpus
    "query_top_dense", "query_top_coverage",  # query-level: best cosine, best coverage
    "dense_z",  # cosine standardised over the query's candidates (e5 cosines are compressed)
    "query_centroid",  # cosine of the query and the corpus centroid: how generic it is
    "missing_idf",  # the query's most specific stem the document lacks (IDF, 0: none lacking)
    "query_gap",  # best minus tenth-best cosine among the candidates
    "dense_mm", "convex",  # min-max cosine, and its even mix with min-max BM25 (a fusion)
    "lexical_lead",  # BM25 minus the best other candidate's, over the best (>0: BM25's top)
    # Relevant innovations resemble each other: how like the query's leading candidates
    # (top NEIGHBOURS by the even convex mix) each one is; the means and maxima leave the
    # candidate itself out, the first candidate's sector is compared with every candidate.
    "nbr_cos", "nbr_cos_max",  # mean and best cosine to the leading candidates' documents
    "nbr_jaccard",  # mean share of indexed stems shared with them
    "nbr_sector", "nbr_top_sector",  # leading candidates of its sector; same as the first
)
# Each feature again for English queries only, so a linear model weighs the channels per
# language: English queries share few words with the Indonesian corpus, so BM25 says less.
FEATURES: tuple[str, ...] = BASE_FEATURES + tuple(
    f"en*{f}" for f in BASE_FEATURES if f != "lang_en")

RRF_K = 60
AGREE_RANK = 20
NEIGHBOURS = 5


@dataclass(frozen=True)
class PairInputs:
    """One query's candidates, as the channels and the index see them."""

    query_vector: np.ndarray  # (dim,)
    doc_vectors: np.ndarray  # (n, dim)
    field_vectors: np.ndarray  # (n, fields, dim), zero rows for absent fields
    lexical: np.ndarray  # (n,) raw BM25
    dense_ranks: np.ndarray  # (n,) 1-based, 0: not retrieved by the dense channel
    lexical_ranks: np.ndarray  # (n,) 1-based, 0: not retrieved by BM25
    coverage: np.ndarray  # (n,) IDF-weighted share of the query's stems in each document
    matched: np.ndarray  # (n,) number of informative query stems found in each document
    missing_idf: np.ndarray  # (n,) highest IDF among informative query stems each doc lacks
    body_words: np.ndarray  # (n,) words of problem + solution
    has_problem: np.ndarray  # (n,) bool
    has_solution: np.ndarray  # (n,) bool
    sector_p: np.ndarray  # (n,) probability of each record's sector for the query
    doc_terms: TermRows  # (n rows) each document's distinct indexed stems, as codes
    doc_sectors: Sequence[str]  # (n,) each record's sector
    lang_en: bool
    query_terms: int  # content stems in the query
    query_known: float  # share of them found in some document
    centroid: np.ndarray  # (dim,) mean document vector of the corpus
    depth: int  # how deep each channel was read


def _rank_feature(ranks: np.ndarray, depth: int) -> np.ndarray:
    r = np.where(ranks > 0, ranks, depth + 1).astype(np.float64)
    return np.log1p(r)


def _lead(v: np.ndarray) -> np.ndarray:
    """Each score minus the best of the others, over the best score (0 when all are 0)."""
    if len(v) < 2 or v.max() <= 0:
        return np.zeros_like(v)
    top2 = np.sort(v)[-2:]
    others_best = np.where(v >= top2[1], top2[0], top2[1])
    return (v - others_best) / top2[1]


def neighbour_features(convex: np.ndarray, vectors: np.ndarray, terms: TermRows,
                       sectors: Sequence[str], k: int = NEIGHBOURS) -> dict[str, np.ndarray]:
    """Each candidate's likeness to the top `k` candidates by `convex`, itself excluded."""
    n = len(convex)
    top = np.lexsort((np.arange(n), -convex))[:k]
    others = np.arange(n)[:, None] != top[None, :]  # (n, k): False where it is itself
    count = np.maximum(others.sum(axis=1), 1)
    cos = vectors @ vectors[top].T
    shared = terms.shared(top.tolist())
    sizes = terms.sizes
    jac = shared / np.maximum(1, sizes[:, None] + sizes[top][None, :] - shared)
    codes = {s: i for i, s in enumerate(dict.fromkeys(sectors))}
    sector = np.array([codes[s] for s in sectors], dtype=np.int64)
    same = sector[:, None] == sector[top][None, :]
    return {"nbr_cos": (cos * others).sum(axis=1) / count,
            "nbr_cos_max": np.where(others, cos, -1.0).max(axis=1),
            "nbr_jaccard": (jac * others).sum(axis=1) / count,
            "nbr_sector": (same & others).sum(axis=1).astype(np.float64),
            "nbr_top_sector": same[:, 0].astype(np.float64)}


def pair_features(x: PairInputs) -> np.ndarray:
    """(n, len(FEATURES)) feature matrix of one query's candidates."""
    n = len(x.lexical)
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    dense = x.doc_vectors @ x.query_vector
    fields = np.einsum("nfd,d->nf", x.field_vectors, x.query_vector)
    field_max = fields.max(axis=1)
    lex = x.lexical.astype(np.float64)
    top_lex = lex.max()
    fused = rrf([x.dense_ranks, x.lexical_ranks], [1.0, 1.0], RRF_K)
    agree = ((x.dense_ranks > 0) & (x.dense_ranks <= AGREE_RANK)
             & (x.lexical_ranks > 0) & (x.lexical_ranks <= AGREE_RANK))
    convex = 0.5 * minmax(dense) + 0.5 * minmax(lex)
    cols = {
        "dense": dense,
        "dense_rel": dense - dense.max(),
        "title_cos": fields[:, 0], "problem_cos": fields[:, 1], "solution_cos": fields[:, 2],
        "field_max": field_max,
        "field_max_rel": field_max - field_max.max(),
        "bm25": lex,
        "bm25_norm": lex / top_lex if top_lex > 0 else np.zeros(n),
        "bm25_per_term": lex / max(x.query_terms, 1),
        "dense_rank": _rank_feature(x.dense_ranks, x.depth),
        "lexical_rank": _rank_feature(x.lexical_ranks, x.depth),
        "rrf": fused * (RRF_K + 1),
        "coverage": x.coverage,
        "matched": x.matched,
        "agree": agree,
        "body_words": np.log1p(x.body_words),
        "has_problem": x.has_problem, "has_solution": x.has_solution,
        "sector_p": x.sector_p,
        "lang_en": np.full(n, float(x.lang_en)),
        "query_terms": np.full(n, np.log1p(x.query_terms)),
        "query_known": np.full(n, x.query_known),
        "query_top_dense": np.full(n, dense.max()),
        "query_top_coverage": np.full(n, x.coverage.max()),
        "dense_z": (dense - dense.mean()) / (dense.std() + 1e-6),
        "query_centroid": np.full(n, float(x.centroid @ x.query_vector)),
        "missing_idf": x.missing_idf,
        "query_gap": np.full(n, dense.max() - np.sort(dense)[::-1][min(9, n - 1)]),
        "dense_mm": minmax(dense),
        "convex": convex,
        "lexical_lead": _lead(lex),
    } | neighbour_features(convex, x.doc_vectors.astype(np.float64), x.doc_terms,
                           x.doc_sectors)
    base = np.column_stack([np.asarray(cols[f], dtype=np.float64) for f in BASE_FEATURES])
    keep = [n for n, f in enumerate(BASE_FEATURES) if f != "lang_en"]
    return np.hstack([base, base[:, keep] * float(x.lang_en)])


def idf_weights(stems: Collection[str], df: Mapping[str, int], n_docs: int) -> dict[str, float]:
    """BM25-style IDF of each stem; a stem no document has weighs most."""
    return {s: float(np.log1p((n_docs - df.get(s, 0) + 0.5) / (df.get(s, 0) + 0.5)))
            for s in stems}


def coverage(idf: np.ndarray, telling: np.ndarray, present: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per doc, from the query stems' IDFs, which of them are informative (`telling`) and
    which each doc has (`present`, docs x stems): the IDF-weighted share of the query's
    stems it has, informative stems matched, and the highest IDF among informative query
    stems it lacks."""
    n = len(present)
    idf = np.asarray(idf, dtype=np.float64)
    total = float(idf.sum())
    if not total:
        return np.zeros(n), np.zeros(n), np.zeros(n)
    telling = np.asarray(telling, dtype=bool)
    share = present @ idf / total
    count = (present & telling).sum(axis=1).astype(np.float64)
    lacking = np.where(~present & telling, idf, 0.0)
    missing = lacking.max(axis=1) if lacking.shape[1] else np.zeros(n)
    return share, count, missing


def sector_probabilities(query_vector: np.ndarray, centroids: np.ndarray,
                         temperature: float = 0.02) -> np.ndarray:
    """Softmax over the cosines of the query and each sector's centroid."""
    if not len(centroids):
        return np.zeros(0)
    z = (centroids @ query_vector) / temperature
    z = np.exp(z - z.max())
    return z / z.sum()
